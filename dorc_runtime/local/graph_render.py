"""Draw a :class:`StateGraph`: Mermaid text, Graphviz DOT, and SVG or PNG.

SVG comes from Graphviz's ``dot`` when it is installed and otherwise from a small layered layout
here, so ``--format svg`` always works; PNG needs ``dot``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from ..errors import MissingToolError
from .state_graph import END, START, Node, StateGraph

FORMATS = ("mermaid", "svg", "png", "dot")

_MERMAID_SHAPES = {
    START: ('(("', '"))'), END: ('(("', '"))'), "pipeline": ('[["', '"]]'), "choice": ('{"', '"}'),
    "fork": ('[/"', '"/]'), "join": ('[\\"', '"\\]'), "fail": ('[["', '"]]'),
}


def _quote(text: str) -> str:
    return text.replace('"', "#quot;")


def _cluster_tree(graph: StateGraph) -> tuple[dict[str | None, list[str]], dict[str, str]]:
    """Boxes (Parallel branches, Map items) by parent box, and their labels: both renderers nest them."""
    children: dict[str | None, list[str]] = defaultdict(list)
    for cluster in graph.clusters:
        children[cluster.parent].append(cluster.id)
    return children, {c.id: c.label for c in graph.clusters}


def to_mermaid(graph: StateGraph) -> str:
    lines = ["flowchart TD"]
    children, labels = _cluster_tree(graph)

    def emit(cluster: str | None, indent: str) -> None:
        for node in graph.nodes:
            if node.cluster == cluster:
                left, right = _MERMAID_SHAPES.get(node.kind, ('["', '"]'))
                lines.append(f"{indent}{node.id}{left}{_quote(node.label)}{right}")
        for child in children[cluster]:
            lines.append(f'{indent}subgraph {child} ["{_quote(labels[child])}"]')
            emit(child, indent + "  ")
            lines.append(f"{indent}end")

    emit(None, "  ")
    for edge in graph.edges:
        if edge.catch:
            lines.append(f'  {edge.source} -. "catch {_quote(edge.label)}" .-> {edge.target}')
        elif edge.label:
            lines.append(f'  {edge.source} -- "{_quote(edge.label)}" --> {edge.target}')
        else:
            lines.append(f"  {edge.source} --> {edge.target}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DOT_SHAPES = {START: "circle", END: "doublecircle", "pipeline": "component", "choice": "diamond",
               "fork": "invtrapezium", "join": "trapezium", "fail": "octagon", "succeed": "oval"}


def to_dot(graph: StateGraph) -> str:
    lines = ["digraph state_machine {", '  node [shape=box, style=rounded, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    children, labels = _cluster_tree(graph)

    def emit(cluster: str | None, indent: str) -> None:
        for node in graph.nodes:
            if node.cluster == cluster:
                shape = _DOT_SHAPES.get(node.kind, "box")
                lines.append(f"{indent}{node.id} [label={_dot_quote(node.label)}, shape={shape}];")
        for child in children[cluster]:
            lines.append(f"{indent}subgraph cluster_{child} {{")
            lines.append(f"{indent}  label={_dot_quote(labels[child])}; style=dashed;")
            emit(child, indent + "  ")
            lines.append(f"{indent}}}")

    emit(None, "  ")
    for edge in graph.edges:
        attrs = []
        if edge.label:
            attrs.append(f"label={_dot_quote(('catch ' if edge.catch else '') + edge.label)}")
        if edge.catch:
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {edge.source} -> {edge.target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(graph: StateGraph, fmt: str, dot_program: str | None = None) -> bytes:
    """The picture or text in ``fmt``; ``dot_program`` defaults to ``dot`` on the PATH."""
    if fmt == "mermaid":
        return to_mermaid(graph).encode()
    if fmt == "dot":
        return to_dot(graph).encode()
    dot = dot_program if dot_program is not None else shutil.which("dot")
    if fmt == "svg" and not dot:
        return to_svg(graph).encode()
    if fmt == "png" and not dot:
        raise MissingToolError(
            "--format png needs Graphviz's dot program, which is not installed.",
            "apt-get install graphviz (or brew install graphviz; pip install graphviz alone does "
            "not provide dot), or use --format svg, which dorc draws itself",
        )
    if fmt not in ("svg", "png"):
        raise MissingToolError(f"Unknown format {fmt!r}.", f"use one of {', '.join(FORMATS)}")
    done = subprocess.run([dot, f"-T{fmt}"], input=to_dot(graph).encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise MissingToolError(f"Graphviz dot failed: {done.stderr.decode(errors='replace').strip()}",
                               "reinstall graphviz, or use --format mermaid")
    return done.stdout


# -- a small SVG renderer: layers by longest path, nodes centred per layer --------------------
_W_CHAR, _H, _GAP_X, _GAP_Y, _PAD = 7.2, 36, 28, 56, 24


def _ranks(graph: StateGraph) -> dict[str, int]:
    incoming: dict[str, int] = {n.id: 0 for n in graph.nodes}
    outgoing: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        incoming[edge.target] += 1
        outgoing[edge.source].append(edge.target)
    rank = {n.id: 0 for n in graph.nodes}
    ready = [n.id for n in graph.nodes if incoming[n.id] == 0]
    while ready:  # state machines built by dorc are acyclic: a topological walk visits every node
        node = ready.pop(0)
        for target in outgoing[node]:
            rank[target] = max(rank[target], rank[node] + 1)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return rank


@dataclass(frozen=True)
class NodeStyle:
    """How a report marks a node: a fill, a second line of text (the outcome in words, so colour is
    never the only cue) and attributes for the node's ``<g>`` (``data-state``, ``tabindex``...)."""

    fill: str
    note: str = ""
    attributes: str = ""
    dashed: bool = False


Decorate = Callable[[Node], NodeStyle | None]


def to_svg(graph: StateGraph, decorate: Decorate | None = None) -> str:
    """The picture; ``decorate`` styles nodes (``invoke report`` colours and labels outcomes)."""
    rank = _ranks(graph)
    layers: dict[int, list[str]] = defaultdict(list)
    for node in graph.nodes:
        layers[rank[node.id]].append(node.id)
    styles = {n.id: decorate(n) if decorate else None for n in graph.nodes}
    width = {n.id: max(60.0, max(len(n.label), len(s.note) if (s := styles[n.id]) else 0) * _W_CHAR + 24)
             for n in graph.nodes}
    row_width = {r: sum(width[i] for i in ids) + _GAP_X * (len(ids) - 1) for r, ids in layers.items()}
    total_w = max(row_width.values()) + 2 * _PAD
    box: dict[str, tuple[float, float, float]] = {}  # centre x, top y, width
    for r, ids in layers.items():
        x = (total_w - row_width[r]) / 2
        for node_id in ids:
            box[node_id] = (x + width[node_id] / 2, _PAD + r * (_H + _GAP_Y), width[node_id])
            x += width[node_id] + _GAP_X
    total_h = _PAD * 2 + (max(layers) + 1) * (_H + _GAP_Y) - _GAP_Y
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker></defs>',
    ]
    for cluster in graph.clusters:
        members = [box[n.id] for n in graph.nodes if _inside(graph, n.cluster, cluster.id)]
        if not members:
            continue
        left = min(cx - w / 2 for cx, _, w in members) - 10
        right = max(cx + w / 2 for cx, _, w in members) + 10
        top = min(y for _, y, _ in members) - 18
        bottom = max(y for _, y, _ in members) + _H + 8
        out.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" '
                   'fill="none" stroke="#999" stroke-dasharray="4 3" rx="6"/>')
        out.append(f'<text x="{left + 6:.1f}" y="{top + 12:.1f}" fill="#666">{escape(cluster.label)}</text>')
    for edge in graph.edges:
        sx, sy, _ = box[edge.source]
        tx, ty, _ = box[edge.target]
        dash = ' stroke-dasharray="5 4"' if edge.catch else ""
        out.append(f'<line x1="{sx:.1f}" y1="{sy + _H:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" stroke="#444"{dash} '
                   'marker-end="url(#arrow)"/>')
        if edge.label:
            text = ("catch " if edge.catch else "") + edge.label
            out.append(f'<text x="{(sx + tx) / 2 + 4:.1f}" y="{(sy + _H + ty) / 2:.1f}" fill="#555">'
                       f"{escape(text)}</text>")
    for node in graph.nodes:
        cx, y, w = box[node.id]
        rx = _H / 2 if node.kind in (START, END) else 6
        fill = {"fail": "#fde2e2", "pipeline": "#e4ecfb", START: "#eee", END: "#eee"}.get(node.kind, "#fff")
        style = styles[node.id]
        if style is not None:
            out.append(f'<g class="node"{style.attributes}>')
            dash = ' stroke-dasharray="4 3"' if style.dashed else ""
            out.append(f'<rect x="{cx - w / 2:.1f}" y="{y:.1f}" width="{w:.1f}" height="{_H}" rx="{rx:.0f}" '
                       f'fill="{style.fill}" stroke="#333"{dash}/>')
            out.append(f'<text x="{cx:.1f}" y="{y + 15:.1f}" text-anchor="middle">{escape(node.label)}</text>')
            out.append(f'<text x="{cx:.1f}" y="{y + 29:.1f}" text-anchor="middle" font-size="10" class="note">'
                       f"{escape(style.note)}</text></g>")
            continue
        out.append(f'<rect x="{cx - w / 2:.1f}" y="{y:.1f}" width="{w:.1f}" height="{_H}" rx="{rx:.0f}" '
                   f'fill="{fill}" stroke="#333"/>')
        out.append(f'<text x="{cx:.1f}" y="{y + _H / 2 + 4:.1f}" text-anchor="middle">{escape(node.label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _inside(graph: StateGraph, cluster: str | None, ancestor: str) -> bool:
    parents = {c.id: c.parent for c in graph.clusters}
    while cluster is not None:
        if cluster == ancestor:
            return True
        cluster = parents[cluster]
    return False
