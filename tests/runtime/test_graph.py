"""Graph checks on a definition: one start, no cycles, everything reachable, known targets."""

from __future__ import annotations

from pathlib import Path

from dorc_runtime.graph import graph_problems, start_functions
from dorc_runtime.models.definition import Catch, Function, PipelineDefinition

MAIN = Path("/project/src/raw/census/__main__.py")


def definition(*functions: Function) -> PipelineDefinition:
    # model_construct skips validation, so the checks can be called on broken graphs directly
    return PipelineDefinition.model_construct(file_path=MAIN, functions=list(functions))


def test_a_chain_is_fine() -> None:
    d = definition(Function(name="a", next_function="b"), Function(name="b"))
    assert graph_problems(d) == []
    assert start_functions(d) == ["a"]


def test_catch_targets_count_as_edges() -> None:
    d = definition(Function(name="a", catch=(Catch(next_function="b"),)), Function(name="b"))
    assert graph_problems(d) == []


def test_problems_name_the_function_and_the_fix() -> None:
    assert "listed twice" in graph_problems(definition(Function(name="a"), Function(name="a")))[0]
    assert "names itself" in " ".join(graph_problems(definition(Function(name="a", next_function="a"))))
    assert "2 start functions" in graph_problems(definition(Function(name="a"), Function(name="b")))[0]
    cycle = graph_problems(
        definition(
            Function(name="a", next_function="b"),
            Function(name="b", next_function="c"),
            Function(name="c", next_function="b"),
        )
    )
    assert any("cycle (b -> c -> b)" in p for p in cycle)
    assert "at least two" in " ".join(graph_problems(definition(Function(name="a", next_function=["b"]), Function(name="b"))))
