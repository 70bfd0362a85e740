"""State machines exercised by the parity suite: built by dorc's builder where it can express
the construct, hand-written ASL otherwise. Each case makes fresh handlers (retry counters)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dorc_runtime.asl import NamingResolver, build_state_machine
from dorc_runtime.models import Catch, Function, MapSettings, NextFunction, PipelineDefinition, Retry
from dorc_runtime.naming import Naming

REGION, ACCOUNT = "us-east-1", "123456789012"
RESOLVER = NamingResolver(Naming("proj", "dev"), REGION, ACCOUNT, "raw", "p")
CHILD_NAME = "proj-dev-raw-child"


def arn(function: str) -> str:
    return RESOLVER.function_arn(function)


def pipeline(*functions: Function, name: str = "p") -> dict[str, Any]:
    definition = PipelineDefinition(file_path=Path(f"/project/src/raw/{name}/__main__.py"), functions=list(functions),
                                    description=f'pipeline "{name}"')
    return build_state_machine(definition, RESOLVER)


class FlakyError(Exception):
    pass


def flaky(failures: int) -> Callable[[Any, Any], Any]:
    calls = {"n": 0}

    def handler(event: Any, context: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise FlakyError(f"attempt {calls['n']} failed")
        return {"attempts": calls["n"], "event": event}

    return handler


def tag(label: str) -> Callable[[Any, Any], Any]:
    return lambda event, context: {"by": label, "event": event}


def boom(event: Any, context: Any) -> Any:
    raise ValueError(f"cannot handle {sorted(event) if isinstance(event, dict) else event}")


def sleepy(event: Any, context: Any) -> Any:
    time.sleep(1.6)
    return "late"


def not_json(event: Any, context: Any) -> Any:
    return {"when": {1, 2}}


def item_handler(event: Any, context: Any) -> Any:
    if event.get("value") == "bad":
        raise KeyError("bad item")
    return {"doubled": event["value"] * 2, "index": event["index"], "label": event["label"]}


@dataclass
class Case:
    asl: dict[str, Any]
    handlers: Callable[[], dict[str, Callable[[Any, Any], Any]]]
    input: Any
    children: dict[str, dict[str, Any]] = field(default_factory=dict)


def _handlers(**by_function: Callable[[Any, Any], Any]) -> Callable[[], dict[str, Callable[[Any, Any], Any]]]:
    return lambda: {arn(name): fn for name, fn in by_function.items()}


def _fresh(**factories: Callable[[], Callable[[Any, Any], Any]]) -> Callable[[], dict[str, Callable[[Any, Any], Any]]]:
    return lambda: {arn(name): make() for name, make in factories.items()}


CHILD = pipeline(Function(name="c1", next_function="c2"), Function(name="c2"), name="child")
CHILD_FAILS = pipeline(Function(name="c1", next_function="cboom"), Function(name="cboom"), name="child")

PASS_CHOICE = {
    "StartAt": "shape",
    "States": {
        "shape": {
            "Type": "Pass",
            "Parameters": {
                "greeting.$": "States.Format('hello {} of {}', $.name, $.year)",
                "pair.$": "States.Array($.year, 'x')",
                "parsed.$": "States.StringToJson($.raw)",
                "text.$": "States.JsonToString($.obj)",
                "second.$": "States.ArrayGetItem($.list, 1)",
                "static": {"nested": [1, 2]},
            },
            "ResultPath": "$.shaped",
            "Next": "route",
        },
        "route": {
            "Type": "Choice",
            "Choices": [
                {"And": [{"Variable": "$.year", "NumericGreaterThanEquals": 2020},
                         {"Variable": "$.name", "StringMatches": "cen*"}], "Next": "recent"},
                {"Variable": "$.missing", "IsPresent": True, "Next": "stop"},
            ],
            "Default": "stop",
        },
        "recent": {"Type": "Pass", "Result": {"kept": True}, "ResultPath": "$.flag", "OutputPath": "$.shaped",
                   "Next": "done"},
        "done": {"Type": "Succeed"},
        "stop": {"Type": "Fail", "Error": "TooOld", "Cause": "year before 2020"},
    },
}
PASS_INPUT = {"name": "census", "year": 2021, "raw": '{"a": [1, 2]}', "obj": {"k": "v"}, "list": [10, 20, 30]}

CASES: dict[str, Case] = {
    "chain": Case(pipeline(Function(name="a", next_function="b"), Function(name="b")),
                  _handlers(a=tag("a"), b=tag("b")), {"year": 2021}),
    "handler_raises": Case(pipeline(Function(name="a", next_function="b"), Function(name="b")),
                           _handlers(a=tag("a"), b=boom), {"year": 2021}),
    "retry_then_succeed": Case(
        pipeline(Function(name="a", retry=(Retry(errors=("FlakyError",), interval_seconds=1, max_attempts=2,
                                                  backoff_rate=1.0),))),
        _fresh(a=lambda: flaky(1)), {"n": 1}),
    "retry_exhausted": Case(
        pipeline(Function(name="a", retry=(Retry(errors=("States.TaskFailed",), interval_seconds=1, max_attempts=1),))),
        _fresh(a=lambda: flaky(5)), {"n": 1}),
    "catch": Case(
        pipeline(Function(name="a", next_function="b", catch=(Catch(next_function="fallback", errors=("ValueError",)),)),
                 Function(name="b"), Function(name="fallback")),
        _handlers(a=boom, b=tag("b"), fallback=tag("fallback")), {"year": 2021}),
    "catch_result_path_null": Case(
        pipeline(Function(name="a", catch=(Catch(next_function="fallback", result_path=None),)), Function(name="fallback")),
        _handlers(a=boom, fallback=tag("fallback")), {"year": 2021}),
    "timeout": Case(pipeline(Function(name="a", timeout_seconds=1)), _handlers(a=sleepy), {}),
    "timeout_caught": Case(
        pipeline(Function(name="a", timeout_seconds=1, catch=(Catch(next_function="fb", errors=("States.Timeout",)),)),
                 Function(name="fb")),
        _handlers(a=sleepy, fb=tag("fb")), {"k": 1}),
    "marshal_error": Case(pipeline(Function(name="a")), _handlers(a=not_json), {}),
    "parallel_join": Case(
        pipeline(Function(name="a", next_function=["b", "c"]), Function(name="b", next_function="d"),
                 Function(name="c", next_function="e"), Function(name="e", next_function="d"), Function(name="d")),
        _handlers(a=tag("a"), b=tag("b"), c=tag("c"), d=tag("d"), e=tag("e")), {"go": True}),
    "parallel_branch_fails": Case(
        pipeline(Function(name="a", next_function=["b", "c"]), Function(name="b"), Function(name="c")),
        _handlers(a=tag("a"), b=tag("b"), c=boom), {"go": True}),
    "map": Case(
        pipeline(Function(name="items", next_function="fan"),
                 Function(name="fan", map=MapSettings(items_path="$.event.items", max_concurrency=2, item_selector={
                     "value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "label.$": "$.by"}))),
        _handlers(items=tag("items"), fan=item_handler), {"items": [1, 2, 3, 4, 5]}),
    "map_item_fails": Case(
        pipeline(Function(name="fan", map=MapSettings(items_path="$.items", item_selector={
            "value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "label.$": "$.label"}))),
        _handlers(fan=item_handler), {"items": [1, "bad", 3], "label": "x"}),
    "pass_choice_succeed": Case(PASS_CHOICE, lambda: {}, PASS_INPUT),
    "choice_default_fail": Case(PASS_CHOICE, lambda: {}, {**PASS_INPUT, "year": 1990}),
}


def echo(event: Any, context: Any) -> Any:
    return {"got": event}


def returns_bytes(event: Any, context: Any) -> Any:
    return b'{"from": "bytes"}' if event.get("json") else b"plain text"


def invoke(function: str, **fields: Any) -> dict[str, Any]:
    """A lambda:invoke Task as dorc's builder writes it, with ``fields`` replacing or adding to it."""
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
            "Parameters": {"FunctionName": arn(function), "Payload.$": "$"}, **fields}


# Conformance cases where moto's interpreter follows AWS (each rule is cited in
# test_interpreter_conformance.py, which also checks the ones moto gets wrong).
CONFORMANCE_CASES: dict[str, Case] = {
    # InputPath reads the context object: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
    "context_input_path": Case(
        {"StartAt": "replace", "States": {
            "replace": {"Type": "Pass", "Result": {"replaced": True}, "Next": "a"},
            "a": invoke("a", InputPath="$$.Execution.Input", ResultPath="$.a", OutputPath="$", Next="name"),
            "name": {"Type": "Pass", "OutputPath": "$.a", "End": True}}},
        _handlers(a=echo), {"k": "v"}),
    # a null Payload is sent as {}; a string holding JSON text is sent as that text (Lambda Invoke's body)
    "payload_null_and_json_string": Case(
        {"StartAt": "none", "States": {
            "none": invoke("a", Parameters={"FunctionName": arn("a"), "Payload": None}, ResultPath="$.none",
                           OutputPath="$", ResultSelector={"p.$": "$.Payload"}, Next="text"),
            "text": invoke("a", Parameters={"FunctionName": arn("a"), "Payload.$": "$.raw"}, ResultPath="$.text",
                           OutputPath="$", ResultSelector={"p.$": "$.Payload"}, End=True)}},
        _handlers(a=echo), {"raw": '{"decoded": [1, 2]}'}),
    # Lambda's Python runtime sends returned bytes as they are; Step Functions parses JSON or keeps a string
    "handler_returns_bytes": Case(
        {"StartAt": "json", "States": {
            "json": invoke("b", ResultPath="$.json", OutputPath="$", ResultSelector={"p.$": "$.Payload"},
                           Next="text"),
            "text": invoke("b", Parameters={"FunctionName": arn("b"), "Payload": {"json": False}},
                           ResultPath="$.text", OutputPath="$", ResultSelector={"p.$": "$.Payload"}, End=True)}},
        _handlers(b=returns_bytes), {"json": True}),
    # intrinsic edge cases: Format renders objects and arrays as Step Functions' Java runtime does,
    # StringToJson('') is null, MathAdd rounds non-integers to the nearest integer
    "intrinsic_edges": Case(
        {"StartAt": "p", "States": {"p": {"Type": "Pass", "End": True, "Parameters": {
            "formatted.$": "States.Format('obj {} list {} num {} null {}', $.obj, $.list, $.num, $.nothing)",
            "empty.$": "States.StringToJson($.empty)",
            "sum.$": "States.MathAdd($.half, $.num)",
            "negative.$": "States.MathAdd($.minus, 0)",
            "chunks.$": "States.ArrayPartition($.list, 2)",
            "merged.$": "States.JsonMerge($.obj, $.other, false)",
        }}}},
        lambda: {}, {"obj": {"a": 1, "b": [1, "x"]}, "list": ["x", 2, True], "num": 1.5, "nothing": None,
                     "empty": "", "half": 2.5, "minus": -2.4, "other": {"a": 2}}),
    # Fail's ErrorPath/CausePath take intrinsics (https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html)
    "fail_paths_take_intrinsics": Case(
        {"StartAt": "f", "States": {"f": {"Type": "Fail", "ErrorPath": "States.Format('Bad{}', $.kind)",
                                          "CausePath": "States.JsonToString($.detail)"}}},
        lambda: {}, {"kind": "Year", "detail": {"year": 1990}}),
    # TimeoutSecondsPath reads the state input (after InputPath), not what Parameters made of it
    "timeout_seconds_path_reads_the_state_input": Case(
        {"StartAt": "t", "States": {"t": {**invoke("a", InputPath="$.task", TimeoutSecondsPath="$.limit"),
                                          "Parameters": {"FunctionName": arn("a"), "Payload": {"only": "this"}},
                                          "End": True}}},
        _handlers(a=echo), {"task": {"limit": 5}}),
    # ItemsPath reads the context object
    "items_path_reads_the_context_object": Case(
        {"StartAt": "replace", "States": {
            "replace": {"Type": "Pass", "Result": {"items": ["not", "these"]}, "Next": "each"},
            "each": {"Type": "Map", "ItemsPath": "$$.Execution.Input.items", "End": True,
                     "ItemProcessor": {"StartAt": "i", "States": {"i": {"Type": "Pass", "End": True}}}}}},
        lambda: {}, {"items": [1, 2, 3]}),
}

# moto 5.2.5 cannot run startExecution.sync:2 (its parameter normaliser raises
# KeyError 'StateMachineArn' before calling StartExecution), so pipeline hand-over is checked
# locally against AWS's documented response shape in test_interpreter_pipelines.py.
PIPELINE_HANDOFF = Case(
    pipeline(Function(name="a", next_function=NextFunction(name="child", type="pipeline"))),
    _handlers(a=tag("a"), c1=tag("c1"), c2=tag("c2")), {"year": 2021}, {CHILD_NAME: CHILD})
CHILD_FAILURE = Case(
    pipeline(Function(name="a", next_function=NextFunction(name="child", type="pipeline"))),
    _handlers(a=tag("a"), c1=tag("c1"), cboom=boom), {"year": 2021}, {CHILD_NAME: CHILD_FAILS})
