"""graph.classify: scopes for Parallel branches, and the shapes the builder refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dorc_runtime.graph import NodeKind, classify, graph_problems
from dorc_runtime.models import Catch, Function, NextFunction, PipelineDefinition, Retry

FILE = Path("/project/src/raw/p/__main__.py")


def definition(*functions: Function) -> PipelineDefinition:
    return PipelineDefinition(file_path=FILE, functions=list(functions))


def problems(*functions: Function) -> list[str]:
    return graph_problems(PipelineDefinition.model_construct(file_path=FILE, functions=list(functions)))


def test_kinds_and_scopes() -> None:
    shape, found = classify(definition(
        Function(name="a", next_function=["b", "c"]), Function(name="b", next_function="d"),
        Function(name="c", next_function="d"), Function(name="d", next_function=NextFunction(name="x", type="pipeline")),
    ))
    assert found == [] and shape is not None
    assert shape.kinds == {"a": NodeKind.SPLIT, "b": NodeKind.LINEAR, "c": NodeKind.LINEAR, "d": NodeKind.PIPELINE}
    assert shape.splits["a"].join == "d" and shape.joins == {"d"}
    assert shape.scopes == {"a": None, "b": ("a", "b"), "c": ("a", "c"), "d": None}


def test_catch_merge_inside_one_scope_is_not_a_join() -> None:
    shape, found = classify(definition(
        Function(name="a", next_function="b", catch=(Catch(next_function="fix"),)),
        Function(name="fix", next_function="b"), Function(name="b"),
    ))
    assert found == [] and shape is not None and shape.joins == frozenset()


def test_branches_converging_on_different_joins_are_refused() -> None:
    found = problems(
        Function(name="a", next_function=["b", "c", "d"]), Function(name="b", next_function="j1"),
        Function(name="c", next_function="j1"), Function(name="d", next_function="j2"),
        Function(name="j1", next_function="j2"), Function(name="j2"),
    )
    assert any("'d' hands over to 'j2'" in p for p in found)


def test_two_entry_points_into_shared_functions_are_refused() -> None:
    found = problems(
        Function(name="a", next_function=["b", "c"]), Function(name="b", next_function="x"),
        Function(name="c", next_function="y"), Function(name="x", next_function="y"),
        Function(name="y", next_function="x2"), Function(name="x2"),
        Function(name="z", next_function="x2"),
    )
    assert found  # z is a second start; x2 joins paths of different scopes


def test_catch_out_of_a_branch_is_refused() -> None:
    found = problems(
        Function(name="a", next_function=["b", "c"]), Function(name="b", catch=(Catch(next_function="d"),)),
        Function(name="c", next_function="d"), Function(name="d"),
    )
    assert any("'b'" in p and "'d'" in p for p in found)


def test_states_all_must_be_last() -> None:
    found = problems(Function(name="a", retry=(Retry(), Retry(errors=("ValueError",)))))
    assert found == ["function 'a': a retry on States.ALL must be the last retry and name no other error"]


def test_model_validation_reports_shape_problems() -> None:
    with pytest.raises(ValidationError, match="catches errors into 'd'"):
        definition(
            Function(name="a", next_function=["b", "c"]), Function(name="b", catch=(Catch(next_function="d"),)),
            Function(name="c", next_function="d"), Function(name="d"),
        )
