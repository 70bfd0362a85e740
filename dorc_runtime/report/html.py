"""A :class:`RunView` -> one self-contained HTML page: inline CSS, JS and SVG, nothing fetched.

The graph is ``invoke graph``'s own SVG layout (:func:`graph_render.to_svg`) with every state
filled by its outcome *and* labelled with it in words; details are rendered by a small script from
the JSON embedded in the page, the branches, items and timeline by the server side (here).
"""

from __future__ import annotations

import json
import time
from html import escape
from typing import Any

from ..local.graph_render import NodeStyle, to_svg
from ..local.state_graph import Node, from_asl
from ..runs import cost
from .assets import CSS, JS
from .view import OUTCOMES, RunView

MAX_PARTS_SHOWN = 500


def _when(seconds: float | None) -> str:
    return "-" if seconds is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def _badge(outcome: str) -> str:
    return f'<span class="badge o-{outcome}">{escape(OUTCOMES[outcome][0])}</span>'


def graph_svg(view: RunView) -> str:
    def decorate(node: Node) -> NodeStyle | None:
        if not node.state:
            return None
        outcome = view.outcome(node.state)
        label, fill = OUTCOMES[outcome]
        attributes = (f' data-state="{escape(node.state)}" data-outcome="{outcome}" tabindex="0" role="button" '
                      f'aria-label="{escape(node.state)}: {escape(label)}"')
        return NodeStyle(fill, label, attributes, dashed=outcome == "not-reached")

    return to_svg(from_asl(view.definition), decorate)


def _summary(view: RunView, parent_href: str | None) -> str:
    record, summary = view.record, view.summary
    rows = [
        ("Pipeline", escape(str(record.get("pipeline", "")))),
        ("Status", _badge({"SUCCEEDED": "succeeded", "RUNNING": "running"}.get(summary["status"], "failed"))
         + f" {escape(summary['status'])}"),
        ("Started", _when(record.get("started"))),
        ("Duration", "-" if summary["duration_s"] is None else f"{summary['duration_s']:.3f} s"),
        ("State transitions", str(summary["transitions"])),
        ("Retries", str(summary["retries"])),
        ("Lambda invocations", str(summary["invocations"])),
    ]
    if record.get("events_dropped"):
        rows.append(("Not kept", f"{record['events_dropped']} state runs beyond the record's limit (counted in the cost)"))
    if record.get("failed_state"):
        rows.append(("Failed at", escape(record["failed_state"]) + (
            f": {escape(str(record.get('error')))}" if record.get("error") else "")))
    if record.get("parent"):
        name = escape(record["parent"])
        link = f'<a href="{escape(parent_href)}">{name}</a>' if parent_href else name
        rows.append(("Resumed from", f"run {link} at state {escape(str(record.get('resumed_at')))}"))
    estimate: cost.Estimate | None = summary["cost"]
    if estimate is not None:
        rows.append(("Estimated AWS cost", escape(estimate.line()) + " — an estimate, not a bill"))
        for expression, runs, amount in summary["monthly"]:
            rows.append(("Per month (estimate)", f"{cost.money(amount)} for {runs} runs of {escape(expression)}"))
    cells = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<dl class="summary">{cells}</dl>'


def _parts(view: RunView) -> str:
    out = []
    for owner, parts in view.parts.items():
        if not parts:
            continue
        kind = view.states[owner]["type"]
        noun = "branch" if kind == "Parallel" else "item"
        counts: dict[str, int] = {}
        for part in parts:
            counts[part.outcome] = counts.get(part.outcome, 0) + 1
        tally = ", ".join(f"{n} {OUTCOMES[o][0]}" for o, n in counts.items())
        plural = "branches" if kind == "Parallel" else "items"
        out.append(f'<details class="container" data-container="{escape(owner)}">'
                   f"<summary>{escape(owner)} ({kind}): {len(parts)} {plural} — {tally}</summary><ul>")
        for part in parts[:MAX_PARTS_SHOWN]:
            rows = "".join(
                f"<tr><td>{escape(e['state'])}</td><td>{_badge(e['outcome'])}</td><td>{e['duration_ms']} ms</td>"
                f"<td>{escape(str(e['error'] or ''))}{': ' + escape(str(e['cause'])) if e['cause'] else ''}</td>"
                f"<td><pre>{escape(e['input']['text'] if e['input'] else '')}</pre></td></tr>"
                for e in part.events
            )
            table = (f"<table><tr><th>state</th><th>outcome</th><th>took</th><th>error</th><th>input</th></tr>"
                     f"{rows}</table>") if rows else "<p>Not run again: its result came from the parent run.</p>"
            out.append(f'<li><details class="item" data-index="{part.index}" data-outcome="{part.outcome}">'
                       f"<summary>{noun} {part.index}: {_badge(part.outcome)} {part.duration_ms:.1f} ms</summary>"
                       f"{table}</details></li>")
        if len(parts) > MAX_PARTS_SHOWN:
            out.append(f"<li>... {len(parts) - MAX_PARTS_SHOWN} more</li>")
        out.append("</ul></details>")
    return "".join(out) or "<p>This run has no Parallel or Map state.</p>"


def _timeline(view: RunView) -> str:
    rows = view.timeline
    if not rows:
        return "<p>No state has finished yet.</p>"
    span = max(r["start_ms"] + r["duration_ms"] for r in rows) or 1.0
    out = ["<table><tr><th>state</th><th>outcome</th><th>start</th><th>took</th><th>timeline</th></tr>"]
    for r in rows:
        left = r["start_ms"] / span * 100
        width = max(r["duration_ms"] / span * 100, 0.3)
        where = f"{r['scope']} › {r['state']}" if r["scope"] else r["state"]
        out.append(
            f'<tr class="row" data-state="{escape(r["state"])}" tabindex="0"><td>{escape(where)}</td>'
            f"<td>{_badge(r['outcome'])}</td><td>+{r['start_ms']:.1f} ms</td><td>{r['duration_ms']:.1f} ms</td>"
            f'<td class="bar-cell"><div class="bar o-{r["outcome"]}" style="margin-left:{left:.2f}%;'
            f'width:{width:.2f}%" title="{escape(where)}: {escape(OUTCOMES[r["outcome"]][0])}"></div></td></tr>')
    out.append("</table>")
    return "".join(out)


def _script_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


def render_report(view: RunView, *, refresh_seconds: int | None = None, parent_href: str | None = None,
                  payload_note: str = "") -> str:
    record = view.record
    title = f"{record.get('pipeline', '')} — run {record.get('id', '')}"
    legend = "".join(f'<span class="badge o-{o}">{escape(label)}</span>' for o, (label, _) in OUTCOMES.items())
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    run_io = "".join(
        f"<h3>{name}</h3><pre>{escape(p['text'] if p else '(none)')}</pre>"
        + (f'<a href="{escape(p["href"])}">the whole payload</a>' if p and p.get("href") else "")
        for name, p in (("Input", _io(view, "input")), ("Output", _io(view, "output")))
    )
    data = {"states": view.states, "failed_state": record.get("failed_state")}
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>{refresh}
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body>
<header><h1>{escape(title)}</h1><p>{escape(payload_note)}</p></header>
<section aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2>{_summary(view, parent_href)}</section>
<section aria-labelledby="h-graph"><h2 id="h-graph">State machine</h2>
<p class="legend">{legend}</p><p>Click a state (or focus it and press Enter) for its input, output, error, logs and timings.</p>
<div id="graph">{graph_svg(view)}</div></section>
<section aria-labelledby="h-details"><h2 id="h-details">State details</h2>
<div id="details" aria-live="polite"><p>No state chosen yet.</p></div></section>
<section aria-labelledby="h-parts"><h2 id="h-parts">Parallel branches and Map items</h2>{_parts(view)}</section>
<section aria-labelledby="h-timeline"><h2 id="h-timeline">Timeline</h2>{_timeline(view)}</section>
<section aria-labelledby="h-io"><h2 id="h-io">Run input and output</h2>{run_io}</section>
<script type="application/json" id="dorc-data">{_script_json(data)}</script>
<script>{JS}</script>
</body></html>
"""


def _io(view: RunView, key: str) -> dict[str, Any] | None:
    from .view import payload_view

    return payload_view(view.record.get(key), view.link)
