"""Drawing the state machine from its ASL: Mermaid, DOT, SVG (own or Graphviz), PNG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from invoke import Context

from dorc_runtime.asl import NamingResolver, build_state_machine
from dorc_runtime.errors import MissingToolError
from dorc_runtime.local.graph_render import render, to_dot, to_mermaid, to_svg
from dorc_runtime.local.state_graph import from_asl
from dorc_runtime.models import Catch, Function, MapSettings, NextFunction, PipelineDefinition
from dorc_runtime.naming import Naming


@pytest.fixture
def graph():
    definition = PipelineDefinition(file_path=Path("/p/src/raw/census/__main__.py"), description='say "hi"', functions=[
        Function(name="fetch", next_function=["left", "right"]),
        Function(name="left", next_function="join"),
        Function(name="right", next_function="join"),
        Function(name="join", next_function="each", catch=(Catch(next_function="oops"),)),
        Function(name="each", map=MapSettings(max_concurrency=4),
                 next_function=NextFunction(name="summary", type="pipeline", layer="processed")),
        Function(name="oops"),
    ])
    resolver = NamingResolver(Naming("demo", "local"), "eu-west-2", "123456789012", "raw", "census")
    return from_asl(build_state_machine(definition, resolver))


def test_mermaid_shows_every_step_branch_catch_and_downstream_pipeline(graph):
    text = to_mermaid(graph)
    assert text.startswith("flowchart TD\n")
    assert '  s1["fetch"]' in text
    assert 'subgraph c1 ["fetch.parallel: branch 1"]' in text
    assert '-. "catch States.ALL" .->' in text
    assert 'each: for each item in $.items (4 at a time)' in text
    assert '[["run pipeline demo-local-processed-summary"]]' in text
    assert "  begin --> s1" in text
    assert not any(line.split()[0] == "end" for line in text.splitlines() if line.strip() and "-->" in line)


def test_dot_and_own_svg_are_well_formed(graph):
    dot = to_dot(graph)
    assert dot.startswith("digraph state_machine {") and "subgraph cluster_c1" in dot and "style=dashed" in dot
    svg = ET.fromstring(to_svg(graph))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"fetch", "left", "right", "join", "oops", "each.item", "start", "end"} <= set(texts)


def test_png_without_graphviz_says_how_to_install_it(graph):
    with pytest.raises(MissingToolError, match="apt-get install graphviz"):
        render(graph, "png", dot_program="")


def test_svg_without_graphviz_is_drawn_by_dorc(graph):
    assert render(graph, "svg", dot_program="").startswith(b"<svg")


def test_svg_and_png_with_graphviz_use_dot(graph, tmp_path):
    fake_dot = tmp_path / "dot"
    fake_dot.write_text("#!/bin/sh\necho \"drawn as $1\"\ncat > /dev/null\n")
    fake_dot.chmod(0o755)
    assert render(graph, "png", dot_program=str(fake_dot)) == b"drawn as -Tpng\n"


def test_graph_task_prints_mermaid_and_writes_pictures(project, capsys):
    from dorc_runtime.tasks.local import graph as graph_task

    project.census()
    graph_task(Context(), "census", layer="raw")
    out = capsys.readouterr().out
    assert '["fetch"]' in out and '["validate"]' in out and '["publish"]' in out
    graph_task(Context(), "census", layer="raw", format="svg", output="raw.svg")
    assert ET.parse(project.root / "raw.svg").getroot().tag.endswith("svg")
