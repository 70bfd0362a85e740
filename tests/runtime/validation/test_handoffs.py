"""Hand-off cycles between pipelines are found statically, each reported once."""

from __future__ import annotations

from pathlib import Path

from dorc_runtime import Function, NextFunction, NextFunctionTypes, PipelineDefinition
from dorc_runtime.validation.handoffs import cycle_problems, handoffs


def _pipeline(layer: str, name: str, *starts: tuple[str, str]) -> PipelineDefinition:
    steps = [NextFunction(name=p, layer=lyr, type=NextFunctionTypes.PIPELINE) for lyr, p in starts]
    last = steps[0] if len(steps) == 1 else (steps or None)
    functions = [Function(name="first", next_function="last"), Function(name="last", next_function=last)]
    return PipelineDefinition(file_path=Path(f"/p/src/{layer}/{name}/__main__.py"), functions=functions)


def test_handoffs_lists_started_pipelines_with_their_layer():
    assert handoffs(_pipeline("raw", "a", ("processed", "b"), ("raw", "c"))) == [("processed", "b"), ("raw", "c")]
    assert handoffs(_pipeline("raw", "a")) == []


def test_a_pipeline_that_starts_itself():
    definitions = {("raw", "a"): _pipeline("raw", "a", ("raw", "a"))}
    assert cycle_problems(definitions) == [
        "raw/a: the pipeline starts itself (NextFunction(type=PIPELINE) names it), which would start "
        "executions forever; remove that NextFunction"
    ]


def test_a_cycle_through_three_pipelines_is_reported_once():
    definitions = {
        ("raw", "a"): _pipeline("raw", "a", ("raw", "b")),
        ("raw", "b"): _pipeline("raw", "b", ("processed", "c")),
        ("processed", "c"): _pipeline("processed", "c", ("raw", "a")),
    }
    assert cycle_problems(definitions) == [
        "processed/c: pipelines start each other in a cycle (processed/c -> raw/a -> raw/b -> processed/c), "
        "which would start executions forever; remove one of these NextFunction(type=PIPELINE) hand-offs"
    ]


def test_a_chain_and_a_diamond_are_not_cycles():
    definitions = {
        ("raw", "a"): _pipeline("raw", "a", ("raw", "b"), ("raw", "c")),
        ("raw", "b"): _pipeline("raw", "b", ("raw", "d")),
        ("raw", "c"): _pipeline("raw", "c", ("raw", "d")),
        ("raw", "d"): _pipeline("raw", "d"),
    }
    assert cycle_problems(definitions) == []
