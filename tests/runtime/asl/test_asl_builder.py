"""The state-machine builder: shapes, determinism, and validity under cfn-lint's ASL schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dorc_runtime.asl import DEFAULT_LAMBDA_RETRY, NamingResolver, build_state_machine, to_json
from dorc_runtime.errors import DefinitionError
from dorc_runtime.models import Catch, Function, MapSettings, NextFunction, PipelineDefinition, Retry
from dorc_runtime.naming import Naming
from tests.helpers.asl_validation import lint_state_machines

RESOLVER = NamingResolver(Naming("proj", "dev"), "eu-west-1", "111122223333", "raw", "census")
FILE = Path("/project/src/raw/census/__main__.py")


def build(*functions: Function, description: str = "") -> dict:
    return build_state_machine(PipelineDefinition(file_path=FILE, functions=list(functions), description=description),
                               RESOLVER)


SHAPES = {
    "Single": lambda: build(Function(name="function1")),
    "Chain": lambda: build(Function(name="a", next_function="b"), Function(name="b", next_function="c"),
                           Function(name="c")),
    "RetryCatchTimeout": lambda: build(
        Function(name="a", next_function="b", timeout_seconds=30,
                 retry=(Retry(errors=("ValueError",), max_delay_seconds=10, jitter="FULL"), Retry()),
                 catch=(Catch(next_function="alert", errors=("KeyError",)), Catch(next_function="alert"))),
        Function(name="b"), Function(name="alert")),
    "ParallelJoin": lambda: build(
        Function(name="a", next_function=["b", "c", NextFunction(name="other", type="pipeline", layer="processed")]),
        Function(name="b", next_function="d"), Function(name="c", next_function="d"), Function(name="d")),
    "NestedParallel": lambda: build(
        Function(name="a", next_function=["b", "c"]), Function(name="b", next_function=["b1", "b2"]),
        Function(name="b1", next_function="bj"), Function(name="b2", next_function="bj"),
        Function(name="bj", next_function="j"), Function(name="c", next_function="j"), Function(name="j")),
    "ParallelNoJoin": lambda: build(Function(name="a", next_function=["b", "c"]), Function(name="b"),
                                    Function(name="c")),
    "Map": lambda: build(Function(name="list", next_function="each"),
                         Function(name="each", map=MapSettings(items_path="$.files", max_concurrency=4,
                                                               item_selector={"file.$": "$$.Map.Item.Value"}),
                                  catch=(Catch(next_function="alert"),)), Function(name="alert")),
    "Pipeline": lambda: build(Function(name="a", next_function=NextFunction(name="processed", type="pipeline"))),
}


def test_every_shape_passes_cfn_lint_state_machine_schema() -> None:
    problems = lint_state_machines({name: make() for name, make in SHAPES.items()})
    assert problems == {name: [] for name in SHAPES}


def test_seed_form_is_one_lambda_task() -> None:
    asl = SHAPES["Single"]()
    task = asl["States"]["function1"]
    assert asl["StartAt"] == "function1" and task["End"] is True
    assert task["Resource"] == "arn:aws:states:::lambda:invoke"
    assert task["Parameters"] == {
        "FunctionName": "arn:aws:lambda:eu-west-1:111122223333:function:proj-dev-raw-census-function1",
        "Payload.$": "$",
    }
    assert task["OutputPath"] == "$.Payload" and task["TimeoutSeconds"] == 300
    assert task["Retry"] == [DEFAULT_LAMBDA_RETRY]


def test_retry_catch_and_timeout_follow_the_function() -> None:
    task = SHAPES["RetryCatchTimeout"]()["States"]["a"]
    assert task["TimeoutSeconds"] == 30
    assert task["Retry"][1:] == [
        {"ErrorEquals": ["ValueError"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0,
         "MaxDelaySeconds": 10, "JitterStrategy": "FULL"},
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0},
    ]
    assert task["Catch"] == [{"ErrorEquals": ["KeyError"], "Next": "alert", "ResultPath": "$.error"},
                             {"ErrorEquals": ["States.ALL"], "Next": "alert", "ResultPath": "$.error"}]


def test_parallel_branches_meet_at_the_join() -> None:
    states = SHAPES["ParallelJoin"]()["States"]
    assert states["a"]["Next"] == "a.parallel"
    parallel = states["a.parallel"]
    assert parallel["Type"] == "Parallel" and parallel["Next"] == "d"
    assert [b["StartAt"] for b in parallel["Branches"]] == ["b", "c", "a.start.processed.other"]
    assert parallel["Branches"][0]["States"]["b"]["End"] is True
    handoff = parallel["Branches"][2]["States"]["a.start.processed.other"]
    assert handoff["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert handoff["Parameters"]["StateMachineArn"] == \
        "arn:aws:states:eu-west-1:111122223333:stateMachine:proj-dev-processed-other"
    assert set(states) == {"a", "a.parallel", "d"}


def test_nested_parallel_stays_inside_its_branch() -> None:
    states = SHAPES["NestedParallel"]()["States"]
    outer = states["a.parallel"]
    first = outer["Branches"][0]["States"]
    assert set(first) == {"b", "b.parallel", "bj"} and first["bj"]["End"] is True
    assert first["b.parallel"]["Next"] == "bj"
    assert outer["Next"] == "j" and set(states) == {"a", "a.parallel", "j"}


def test_map_runs_one_task_per_item() -> None:
    states = SHAPES["Map"]()["States"]
    each = states["each"]
    assert each["Type"] == "Map" and each["ItemsPath"] == "$.files" and each["MaxConcurrency"] == 4
    assert each["ItemSelector"] == {"file.$": "$$.Map.Item.Value"}
    assert each["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert list(each["ItemProcessor"]["States"]) == ["each.item"]
    assert each["Catch"][0]["Next"] == "alert"


def test_pipeline_handoff_ends_the_machine() -> None:
    states = SHAPES["Pipeline"]()["States"]
    assert states["a"]["Next"] == "a.start.raw.processed"
    assert states["a.start.raw.processed"]["End"] is True
    assert states["a.start.raw.processed"]["OutputPath"] == "$.Output"


def test_output_is_deterministic_and_a_quoted_description_is_valid_json() -> None:
    description = 'says "hi" \\ {braces}'
    first = to_json(build(Function(name="a"), description=description))
    second = to_json(build(Function(name="a"), description=description))
    assert first == second
    assert json.loads(first)["Comment"] == description


def test_unsupported_shape_is_refused_naming_the_function() -> None:
    definition = PipelineDefinition.model_construct(file_path=FILE, description="", functions=[
        Function(name="a", next_function=["b", "c"]), Function(name="b", next_function="x"),
        Function(name="c", next_function="y"), Function(name="x", next_function="y"), Function(name="y"),
    ])
    # b's branch reaches x then y, c's reaches y: they meet at y -> valid; now break it
    assert build_state_machine(definition, RESOLVER)["States"]["a.parallel"]["Next"] == "y"
    broken = PipelineDefinition.model_construct(file_path=FILE, description="", functions=[
        Function(name="a", next_function=["b", "c", "d"]), Function(name="b", next_function="j1"),
        Function(name="c", next_function="j1"), Function(name="d", next_function="j2"),
        Function(name="j1", next_function="j2"), Function(name="j2"),
    ])
    with pytest.raises(DefinitionError) as raised:
        build_state_machine(broken, RESOLVER)
    assert "'d'" in str(raised.value) and "j2" in str(raised.value)
