"""The local interpreter against AWS's documented rules, one area at a time. Where moto's
interpreter follows AWS too, the same construct is also in the parity suite
(``interpreter_cases.CONFORMANCE_CASES``); the tests here pin the rules moto gets wrong or that need
a handler moto's harness cannot give (one that never returns, a barrier).

ASL spec: https://states-language.net/spec.html
Error names: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from interpreter_cases import arn, invoke

from dorc_runtime.errors import EventError, UnsupportedConstructError
from dorc_runtime.local import ExecutionStatus, run_state_machine

ERROR_HANDLING = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"
NEVER = 10**6  # seconds: a state that waits this long only ends if something cuts it short


def machine(*states: tuple[str, dict[str, Any]], **top: Any) -> dict[str, Any]:
    """States in order, each going to the next; the last one ends."""
    body: dict[str, Any] = {}
    for index, (name, state) in enumerate(states):
        last = index == len(states) - 1
        terminal = state.get("Type") in ("Choice", "Succeed", "Fail") or "Next" in state
        body[name] = state if terminal else {**state, **({"End": True} if last else {"Next": states[index + 1][0]})}
    return {"StartAt": states[0][0], "States": body, **top}


def echo(event: Any, context: Any) -> Any:
    return {"got": event}


def block_forever(event: Any, context: Any) -> Any:
    threading.Event().wait()


def fails_with(error: str, cause: str = "") -> dict[str, Any]:
    return {"Type": "Fail", "Error": error, "Cause": cause}


# -- context-object paths in every path field ------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html: "JSONPath
# states can refer to the context ($$.) from InputPath, OutputPath, ItemsPath, Variable, ResultSelector,
# Parameters"; the spec's Paths section: a path beginning with "$$" selects from the context object.

def test_input_and_output_path_read_the_context_object() -> None:
    execution = run_state_machine(machine(
        ("replace", {"Type": "Pass", "Result": {"replaced": True}}),
        ("in", {"Type": "Pass", "InputPath": "$$.Execution.Input"}),
        ("out", {"Type": "Pass", "Result": {"x": 1}, "OutputPath": "$$.State.Name"}),
    ), {}, {"original": 1}, name="run-1")
    assert execution.output == "out"
    assert [e.output for e in execution.history] == [{"replaced": True}, {"original": 1}, "out"]


def test_items_path_reads_the_context_object() -> None:
    execution = run_state_machine(machine(
        ("replace", {"Type": "Pass", "Result": {"items": ["not", "these"]}}),
        ("each", {"Type": "Map", "ItemsPath": "$$.Execution.Input.items",
                  "ItemProcessor": {"StartAt": "i", "States": {"i": {"Type": "Pass", "End": True}}}}),
    ), {}, {"items": [1, 2, 3]})
    assert execution.output == [1, 2, 3]


def test_error_and_cause_path_read_the_context_object() -> None:
    execution = run_state_machine(machine(
        ("stop", {"Type": "Fail", "ErrorPath": "$$.State.Name", "CausePath": "$$.Execution.Name"}),
    ), {}, {}, name="exec-7")
    assert (execution.error, execution.cause) == ("stop", "exec-7")


def test_seconds_path_max_concurrency_path_and_timeout_seconds_path_read_the_context_object() -> None:
    execution = run_state_machine(machine(
        ("wait", {"Type": "Wait", "SecondsPath": "$$.Execution.Input.zero"}),
        ("each", {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$$.Execution.Input.zero",
                  "ItemProcessor": {"StartAt": "t", "States": {"t": {
                      **invoke("a"), "TimeoutSecondsPath": "$$.Execution.Input.timeout", "End": True}}}}),
    ), {arn("a"): echo}, {"zero": 0, "timeout": 5, "items": [1]})
    assert execution.output == [{"got": 1}]


# -- States.Runtime and States.DataLimitExceeded --------------------------------------------------
# ERROR_HANDLING: "A States.Runtime error isn't retriable, and will always cause the execution to
# fail. A retry or catch on States.ALL won't catch States.Runtime errors"; States.DataLimitExceeded is
# "a terminal error that can't be caught by the States.ALL error type".

RUNTIME_FAILS = {"Type": "Pass", "InputPath": "$.missing", "End": True}


@pytest.mark.parametrize("error_equals", [["States.Runtime"], ["States.ALL"], ["States.TaskFailed"]])
def test_states_runtime_is_never_retried_or_caught(error_equals: list[str]) -> None:
    definition = machine(
        ("split", {"Type": "Parallel", "Branches": [{"StartAt": "bad", "States": {"bad": RUNTIME_FAILS}}],
                   "Retry": [{"ErrorEquals": error_equals, "MaxAttempts": 2, "IntervalSeconds": 1}],
                   "Catch": [{"ErrorEquals": error_equals, "Next": "caught"}], "Next": "after"}),
        ("after", {"Type": "Succeed"}),
        ("caught", {"Type": "Succeed"}),
    )
    execution = run_state_machine(definition, {}, {}, time_scale=0.01)
    assert (execution.status, execution.error) == (ExecutionStatus.FAILED, "States.Runtime")
    assert [e.status for e in execution.history if e.state == "split"] == ["FAILED"]  # not retried


def big(event: Any, context: Any) -> Any:
    return "x" * 200_000


def test_data_limit_exceeded_is_caught_only_by_name() -> None:
    def definition(error_equals: list[str]) -> dict[str, Any]:
        return machine(
            ("grow", {**invoke("big"), "ResultPath": "$.second", "OutputPath": "$", "Catch": [{"ErrorEquals": error_equals,
                                                                            "Next": "caught"}]}),
            ("caught", {"Type": "Pass", "Result": "caught"}))

    handlers = {arn("big"): big}
    # each result is under 256 KB; the state output holding two of them is not
    first = {"first": "y" * 100_000}
    by_all = run_state_machine(definition(["States.ALL"]), handlers, first)
    assert (by_all.status, by_all.error, by_all.failed_state) == (ExecutionStatus.FAILED, "States.DataLimitExceeded",
                                                                   "grow")
    by_name = run_state_machine(definition(["States.DataLimitExceeded"]), handlers, first)
    assert by_name.output == "caught"


def test_choice_without_a_match_is_states_runtime() -> None:
    # ERROR_HANDLING: "States.NoChoiceMatched: Reserved for future use. If no choice is matched, the
    # error is reported with the States.Runtime error name."
    execution = run_state_machine(machine(
        ("route", {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "one"}]}),
        ("one", {"Type": "Succeed"}),
    ), {}, {"x": 2})
    assert (execution.error, execution.failed_state) == ("States.Runtime", "route")
    assert "No Matches!" in execution.cause


# -- the 256 KB limit on every state --------------------------------------------------------------
# ERROR_HANDLING, States.DataLimitExceeded: "the output of a connector is larger than payload size
# quota; the output of a state is larger than payload size quota; after Parameters processing, the
# input of a state is larger than the payload size quota".

def test_a_map_whose_collected_output_is_over_256_kb_fails_at_the_map() -> None:
    definition = machine(("each", {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
        "StartAt": "one", "States": {"one": {**invoke("kb"), "End": True}}}}))
    execution = run_state_machine(definition, {arn("kb"): lambda e, c: "k" * 1024}, {"items": list(range(300))})
    assert (execution.error, execution.failed_state) == ("States.DataLimitExceeded", "each")


def test_a_pass_state_whose_parameters_are_over_256_kb_fails() -> None:
    execution = run_state_machine(machine(
        ("double", {"Type": "Pass", "Parameters": {"a.$": "$.text", "b.$": "$.text"}, "ResultPath": None}),
    ), {}, {"text": "t" * 150_000})
    assert (execution.error, execution.failed_state) == ("States.DataLimitExceeded", "double")
    assert "input" in execution.cause


def test_execution_input_over_256_kb_is_refused_before_running() -> None:
    # StartExecution: "input ... Length Constraints: Maximum length of 262144"
    # (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html)
    with pytest.raises(EventError, match="262144 bytes"):
        run_state_machine(machine(("p", {"Type": "Pass"})), {}, {"text": "t" * 262_144})


# -- TimeoutSecondsPath, HeartbeatSecondsPath, MaxConcurrencyPath ---------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html: TimeoutSecondsPath and
# HeartbeatSecondsPath take the value "from the state input using a reference path"; it must be a
# positive integer.

def test_timeout_seconds_path_reads_the_state_input_not_the_parameters() -> None:
    definition = machine(("t", {**invoke("a", InputPath="$.task", TimeoutSecondsPath="$.limit",
                                          HeartbeatSecondsPath="$.beat"),
                                "Parameters": {"FunctionName": arn("a"), "Payload": {"only": "this"}}}))
    execution = run_state_machine(definition, {arn("a"): echo}, {"task": {"limit": 5, "beat": 1}})
    assert execution.output == {"got": {"only": "this"}}


@pytest.mark.parametrize("field, value", [
    ("TimeoutSecondsPath", 1.5), ("TimeoutSecondsPath", 0), ("TimeoutSecondsPath", "5"),
    ("HeartbeatSecondsPath", -1),
])
def test_a_bad_timeout_path_value_is_states_runtime(field: str, value: Any) -> None:
    execution = run_state_machine(machine(("t", invoke("a", **{field: "$.value"}))), {arn("a"): echo},
                                  {"value": value})
    assert (execution.status, execution.error) == (ExecutionStatus.FAILED, "States.Runtime")
    assert field in execution.cause


@pytest.mark.parametrize("value", [1.5, -1, "2", None])
def test_a_non_integer_max_concurrency_path_is_states_runtime_not_an_exception(value: Any) -> None:
    # https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html: MaxConcurrencyPath
    # "must resolve to a non-negative integer"
    definition = machine(("each", {"Type": "Map", "MaxConcurrencyPath": "$.limit", "ItemsPath": "$.items",
                                   "ItemProcessor": {"StartAt": "i", "States": {"i": {"Type": "Pass", "End": True}}}}))
    execution = run_state_machine(definition, {}, {"limit": value, "items": [1]})
    assert (execution.status, execution.error) == (ExecutionStatus.FAILED, "States.Runtime")


def test_heartbeat_must_be_smaller_than_the_timeout() -> None:
    with pytest.raises(UnsupportedConstructError, match="HeartbeatSeconds must be smaller than TimeoutSeconds"):
        run_state_machine(machine(("t", invoke("a", TimeoutSeconds=5, HeartbeatSeconds=5))), {}, {})


# -- Wait -------------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html: Seconds/SecondsPath "must be a
# positive integer" (0 allowed); timestamps "must conform to the RFC3339 profile of ISO 8601, with the
# further restrictions that an uppercase T must separate the date and time portions, and an uppercase Z
# must denote that a numeric time zone offset is not present" (spec, Timestamps).

@pytest.mark.parametrize("seconds", [-1, 1.5, "1", True])
def test_seconds_path_must_be_a_non_negative_integer(seconds: Any) -> None:
    execution = run_state_machine(machine(("w", {"Type": "Wait", "SecondsPath": "$.s"})), {}, {"s": seconds})
    assert (execution.error, execution.failed_state) == ("States.Runtime", "w")


@pytest.mark.parametrize("stamp", ["2020-01-01", "2020-01-01 00:00:00Z", "2020-01-01T00:00:00", "2020-01-01t00:00:00z",
                                   "2020-13-01T00:00:00Z", 1577836800])
def test_timestamp_path_must_be_rfc3339_with_t_and_a_zone(stamp: Any) -> None:
    execution = run_state_machine(machine(("w", {"Type": "Wait", "TimestampPath": "$.t"})), {}, {"t": stamp})
    assert (execution.error, execution.failed_state) == ("States.Runtime", "w")


def test_wait_failures_use_aws_wording() -> None:
    # as moto's reference interpreter records AWS's causes, less "(entered at the event id #N)"
    negative = run_state_machine(machine(("w", {"Type": "Wait", "SecondsPath": "$.s"})), {}, {"s": -1})
    assert negative.cause == ("An error occurred while executing the state 'w'. "
                              "The SecondsPath parameter references a negative value: $.s == -1")
    no_zone = run_state_machine(machine(("w", {"Type": "Wait", "TimestampPath": "$.t"})), {},
                                {"t": "2020-01-01T00:00:00"})
    assert no_zone.cause == ("An error occurred while executing the state 'w'. The TimestampPath parameter does not "
                             "reference a valid ISO-8601 extended offset date-time format string: "
                             "$.t == 2020-01-01T00:00:00")


@pytest.mark.parametrize("stamp", ["2020-01-01T00:00:00Z", "2020-01-01T01:00:00.123+01:00"])
def test_a_timestamp_in_the_past_does_not_wait(stamp: str) -> None:
    execution = run_state_machine(machine(("w", {"Type": "Wait", "TimestampPath": "$.t"})), {}, {"t": stamp})
    assert execution.output == {"t": stamp}


@pytest.mark.parametrize("state", [{"Type": "Wait", "Seconds": -1}, {"Type": "Wait", "Seconds": 1.5},
                                   {"Type": "Wait", "Timestamp": "2020-01-01T00:00:00"},
                                   {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s"}])
def test_a_bad_static_wait_is_refused_like_aws_refuses_the_definition(state: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedConstructError, match="Wait|Seconds|Timestamp"):
        run_state_machine(machine(("w", state)), {}, {})


def test_choice_timestamps_follow_the_same_rule() -> None:
    definition = machine(("route", {"Type": "Choice", "Default": "no", "Choices": [
        {"Variable": "$.t", "IsTimestamp": True, "Next": "yes"}]}), ("yes", {"Type": "Succeed"}),
        ("no", {"Type": "Fail", "Error": "NotATimestamp"}))
    assert run_state_machine(definition, {}, {"t": "2020-01-01T00:00:00Z"}).succeeded
    assert run_state_machine(definition, {}, {"t": "2020-01-01T00:00:00"}).error == "NotATimestamp"


# -- lambda:invoke payloads -----------------------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html and Lambda's Invoke API
# (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html): Payload is the request body.

@pytest.mark.parametrize("payload, event", [
    (None, {}), ('{"a": 1}', {"a": 1}), ("[1, 2]", [1, 2]), ("not json", "not json"), ('"quoted"', "quoted"),
])
def test_what_the_handler_gets_for_a_payload(payload: Any, event: Any) -> None:
    definition = machine(("t", invoke("a", Parameters={"FunctionName": arn("a"), "Payload.$": "$.p"})))
    assert run_state_machine(definition, {arn("a"): echo}, {"p": payload}).output == {"got": event}


@pytest.mark.parametrize("state_input, event", [(None, {}), ('{"a": 1}', {"a": 1}), ("text", "text")])
def test_a_task_on_the_bare_function_arn_sends_its_input_the_same_way(state_input: Any, event: Any) -> None:
    definition = machine(("t", {"Type": "Task", "Resource": arn("a"), "InputPath": "$.p"}))
    assert run_state_machine(definition, {arn("a"): echo}, {"p": state_input}).output == {"got": event}


def test_a_function_returning_none_gives_the_next_function_an_empty_object() -> None:
    # dorc's builder chains Tasks with "Payload.$": "$": a None result becomes the next event
    definition = machine(("first", invoke("none")), ("second", invoke("a")))
    execution = run_state_machine(definition, {arn("none"): lambda e, c: None, arn("a"): echo}, {})
    assert execution.output == {"got": {}}


def test_bytes_that_are_not_utf8_become_a_string_with_replacement_characters() -> None:
    execution = run_state_machine(machine(("t", invoke("a"))), {arn("a"): lambda e, c: b"\xff ok"}, {})
    assert execution.output == "\ufffd ok"


# -- intrinsics -----------------------------------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html; failures are
# "reported with the States.Runtime error name" (ERROR_HANDLING, States.IntrinsicFailure).

@pytest.mark.parametrize("expression", [
    "States.Format('{} {}', 1)",
    "States.JsonMerge($.o, $.o, true)",
    "States.JsonMerge($.o, $.list, false)",
    "States.Hash('a', 'sha-256')",
    "States.MathAdd('1', 2)",
    "States.ArrayRange(1, 2000, 1)",
    "States.ArrayRange(1, 5, 0)",
    "States.ArrayGetItem($.list, 1.5)",
    "States.StringToJson('{')",
    "States.Base64Decode('%%%')",
])
def test_a_bad_intrinsic_argument_is_states_runtime(expression: str) -> None:
    definition = machine(("p", {"Type": "Pass", "Parameters": {"v.$": expression}}))
    execution = run_state_machine(definition, {}, {"o": {"a": 1}, "list": [1, 2]})
    assert (execution.status, execution.error) == (ExecutionStatus.FAILED, "States.Runtime")


def test_more_intrinsics() -> None:
    definition = machine(("p", {"Type": "Pass", "Parameters": {
        "random.$": "States.MathRandom(1, 3)", "hash.$": "States.Hash('abc', 'SHA-256')",
        "split.$": "States.StringSplit('a,b;;c', ',;')", "range.$": "States.ArrayRange(5, 1, -2)",
        "escaped.$": "States.Format('\\\\{\\\\} {}', 'x')", "blank.$": "States.StringToJson('  ')"}}))
    output = run_state_machine(definition, {}, {}).output
    assert output["random"] in (1, 2, 3)
    assert output["hash"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert output["split"] == ["a", "b", "c"] and output["range"] == [5, 3, 1]
    assert output["escaped"] == "{} x" and output["blank"] is None


# -- Fail's ErrorPath and CausePath ---------------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html: ErrorPath/CausePath take "a
# reference path or an intrinsic function" that resolves to a string.

def test_fail_error_and_cause_paths_take_intrinsics() -> None:
    execution = run_state_machine(machine(("stop", {
        "Type": "Fail", "ErrorPath": "States.Format('Bad{}', $.kind)",
        "CausePath": "States.JsonToString($.detail)"})), {}, {"kind": "Year", "detail": {"year": 1990}})
    assert (execution.error, execution.cause) == ("BadYear", '{"year":1990}')


def test_fail_error_path_that_is_not_a_string_is_states_runtime() -> None:
    execution = run_state_machine(machine(("stop", {"Type": "Fail", "ErrorPath": "$.n"})), {}, {"n": 3})
    assert (execution.error, execution.failed_state) == ("States.Runtime", "stop")


# -- the context object's shape -------------------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html: "The value of
# the RedriveCount context object is 0, if you've not yet redriven an execution ... RedriveTime ... is
# only available if you've redriven an execution".

def test_context_object_shape_outside_and_inside_retries() -> None:
    calls = {"n": 0}

    def fails_once(event: Any, context: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("again")
        return event

    definition = machine(
        ("pass", {"Type": "Pass", "Parameters": {"context.$": "$$"}}),
        ("task", {**invoke("f", Parameters={"FunctionName": arn("f"), "Payload": {"context.$": "$$"}}),
                  "Retry": [{"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 1}], "ResultPath": "$.task",
                  "OutputPath": "$"}),
    )
    execution = run_state_machine(definition, {arn("f"): fails_once}, {"k": 1}, name="ctx", time_scale=0.01)
    outside = execution.output["context"]
    assert outside["Execution"]["RedriveCount"] == 0 and "RedriveTime" not in outside["Execution"]
    assert sorted(outside["Execution"]) == ["Id", "Input", "Name", "RedriveCount", "RoleArn", "StartTime"]
    assert sorted(outside["State"]) == ["EnteredTime", "Name"]  # a Pass state does not retry
    assert sorted(outside) == ["Execution", "State", "StateMachine"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", outside["State"]["EnteredTime"])
    inside = execution.output["task"]["Payload"]["context"]
    assert inside["State"] == {"EnteredTime": inside["State"]["EnteredTime"], "Name": "task", "RetryCount": 1}


# -- EXPRESS execution ARNs -----------------------------------------------------------------------
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html: an
# express execution is arn:${Partition}:states:${Region}:${Account}:express:${StateMachineName}:${ExecutionId}:${ExpressId}

def test_express_and_standard_execution_arns() -> None:
    machine_arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:proj-dev-raw-census"
    definition = machine(("p", {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id"}}))
    express = run_state_machine(definition, {}, {}, state_machine_arn=machine_arn, name="run1",
                                state_machine_type="EXPRESS")
    assert re.fullmatch(r"arn:aws:states:eu-west-1:111122223333:express:proj-dev-raw-census:run1:"
                        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", express.arn)
    assert express.output == {"id": express.arn}
    standard = run_state_machine(definition, {}, {}, state_machine_arn=machine_arn, name="run1")
    assert standard.arn == "arn:aws:states:eu-west-1:111122223333:execution:proj-dev-raw-census:run1"


# -- QueryLanguage ----------------------------------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html: "QueryLanguage
# (Optional) ... JSONPath (default) or JSONata", at the top level or per state.

def test_query_language_jsonpath_is_accepted_at_the_top_and_per_state() -> None:
    definition = machine(("p", {"Type": "Pass", "QueryLanguage": "JSONPath", "Result": 1}), QueryLanguage="JSONPath")
    assert run_state_machine(definition, {}, {}).output == 1


@pytest.mark.parametrize("where", ["top", "state"])
def test_jsonata_is_refused_with_a_clear_error(where: str) -> None:
    state = {"Type": "Pass", **({"QueryLanguage": "JSONata"} if where == "state" else {})}
    definition = machine(("p", state), **({"QueryLanguage": "JSONata"} if where == "top" else {}))
    with pytest.raises(UnsupportedConstructError, match="QueryLanguage 'JSONata' is not supported") as raised:
        run_state_machine(definition, {}, {})
    assert "JSONPath" in (raised.value.fix or "")


# -- execution TimeoutSeconds, enforced during states ---------------------------------------------
# Spec, Top-level fields: "If provided, TimeoutSeconds is the maximum number of seconds an execution of
# the state machine can run. If it runs longer than the specified time, then the interpreter fails the
# execution with a States.Timeout Error Name" - the execution ends TIMED_OUT even inside a state.

@pytest.mark.parametrize("state", [
    {"Type": "Wait", "Seconds": NEVER},
    invoke("block"),
    {**invoke("block"), "TimeoutSeconds": NEVER},
    {"Type": "Parallel", "Branches": [{"StartAt": "w", "States": {"w": {"Type": "Wait", "Seconds": NEVER, "End": True}}}]},
    {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "b", "States": {"b": {**invoke("block"), "End": True}}}},
])
def test_execution_timeout_ends_a_state_that_is_still_running(state: dict[str, Any]) -> None:
    definition = machine(("s", state), TimeoutSeconds=1)
    execution = run_state_machine(definition, {arn("block"): block_forever}, {"items": [1, 2]}, time_scale=0.05)
    assert (execution.status, execution.error) == (ExecutionStatus.TIMED_OUT, "States.Timeout")


def test_express_executions_end_after_five_minutes() -> None:
    # https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html: Express
    # workflows run "up to five minutes"
    definition = machine(("w", {"Type": "Wait", "Seconds": 301}))
    execution = run_state_machine(definition, {}, {}, time_scale=0.001, state_machine_type="EXPRESS")
    assert execution.status is ExecutionStatus.TIMED_OUT
