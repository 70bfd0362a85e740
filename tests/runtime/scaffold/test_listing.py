"""'invoke list' draws a pipeline's real shape and keeps the project's layer order."""

from __future__ import annotations

import json
from pathlib import Path

from dorc_runtime import Function, MapSettings, NextFunction, NextFunctionTypes, PipelineDefinition
from dorc_runtime.project import Project
from dorc_runtime.scaffold.listing import shape_line


def _definition(*functions: Function) -> PipelineDefinition:
    return PipelineDefinition(file_path=Path("/p/src/raw/census/__main__.py"), functions=list(functions))


def test_a_chain():
    assert shape_line(_definition(Function(name="a", next_function="b"), Function(name="b"))) == "a → b"


def test_branches_a_map_and_a_hand_off():
    definition = _definition(
        Function(name="fetch", next_function=["clean", "count"]),
        Function(name="clean", next_function="tidy"),
        Function(name="tidy", next_function="join"),
        Function(name="count", next_function="join"),
        Function(name="join", next_function="each"),
        Function(
            name="each",
            map=MapSettings(),
            next_function=NextFunction(name="census", type=NextFunctionTypes.PIPELINE, layer="processed"),
        ),
    )
    assert shape_line(definition) == "fetch → [ clean → tidy | count ] → join → each (map) → ⇒ processed/census"


def test_a_branch_that_starts_a_pipeline():
    definition = _definition(
        Function(name="split", next_function=["left", NextFunction(name="other", type=NextFunctionTypes.PIPELINE)]),
        Function(name="left"),
    )
    assert shape_line(definition) == "split → [ left | ⇒ raw/other ]"


def test_layers_keep_the_order_they_were_baked_in(tmp_path: Path):
    for layer in ("archive", "processed", "raw", "extra"):
        (tmp_path / "src" / layer).mkdir(parents=True)
    (tmp_path / ".dorc-template.json").write_text(json.dumps({"answers": {"layers": "raw, processed,archive"}}))
    assert Project(tmp_path).ordered_layers() == ["raw", "processed", "archive", "extra"]
    (tmp_path / ".dorc-template.json").unlink()
    assert Project(tmp_path).ordered_layers() == ["archive", "extra", "processed", "raw"]
