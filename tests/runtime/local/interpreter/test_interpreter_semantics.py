"""Local-runner behaviour beyond parity: refusals, limits, timeouts off the main thread, real
Map concurrency, hooks and history."""

from __future__ import annotations

import threading
import time

import pytest
from interpreter_cases import arn, pipeline

from dorc_runtime.errors import EventError, UnsupportedConstructError
from dorc_runtime.local import ExecutionStatus, run_state_machine
from dorc_runtime.models import Function, MapSettings, Retry


def task(function: str, **fields) -> dict:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
            "Parameters": {"FunctionName": arn(function), "Payload.$": "$"}, **fields}


def one(state: dict) -> dict:
    return {"StartAt": "s", "States": {"s": {**state, "End": True}}}


@pytest.mark.parametrize("definition, named", [
    (one({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage"}), "sqs:sendMessage"),
    (one({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"}), "waitForTaskToken"),
    (one({"Type": "Pass", "Parameters": {"x.$": "States.Nope(1, 2)"}}), "States.Nope"),
    (one({"Type": "Pass", "InputPath": "$..deep"}), "$..deep"),
    ({"StartAt": "s", "QueryLanguage": "JSONata", "States": {"s": {"Type": "Pass", "End": True}}}, "QueryLanguage"),
    (one({"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "x",
                                           "States": {"x": {"Type": "Pass", "End": True}}}}), "DISTRIBUTED"),
    (one({"Type": "Wait", "Seconds": 1, "Bogus": True}), "Bogus"),
])
def test_unsupported_constructs_are_refused_by_name(definition: dict, named: str) -> None:
    with pytest.raises(UnsupportedConstructError, match=named.replace("$", r"\$").replace(".", r"\.")):
        run_state_machine(definition, {}, {})


def test_result_over_256_kb_fails_with_data_limit_exceeded() -> None:
    execution = run_state_machine(pipeline(Function(name="a")), {arn("a"): lambda e, c: "x" * 300_000}, {})
    assert (execution.status, execution.error) == (ExecutionStatus.FAILED, "States.DataLimitExceeded")
    assert execution.failed_state == "a"


def test_marshal_error_names_the_bad_type() -> None:
    execution = run_state_machine(pipeline(Function(name="a")), {arn("a"): lambda e, c: {1, 2}}, {})
    assert execution.error == "Runtime.MarshalError" and "set is not JSON serializable" in execution.cause


class JsonHandler:
    """A handler that runs elsewhere and answers with JSON text (as a sandbox does)."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.events: list[str] = []

    def invoke_json(self, event_json: str, context) -> str:
        self.events.append(event_json)
        return self.answer()


def test_a_json_handlers_text_is_the_payload_as_it_is_and_its_failures_are_task_errors() -> None:
    """What a Lambda invocation returns is the function's response payload
    (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html); Step Functions parses it as
    JSON (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html)."""
    answering = JsonHandler(lambda: '{"b": [1, 2.5], "a": "é"}')
    execution = run_state_machine(pipeline(Function(name="a")), {arn("a"): answering}, {"in": 1})
    assert execution.output == {"b": [1, 2.5], "a": "é"} and list(execution.output) == ["b", "a"]
    assert answering.events == ['{"in": 1}']

    def fail():
        raise RuntimeError("the run has ended; its sandboxes are closed")

    execution = run_state_machine(pipeline(Function(name="a")), {arn("a"): JsonHandler(fail)}, {})
    assert (execution.status, execution.error) == (ExecutionStatus.FAILED, "RuntimeError")
    assert '"errorMessage":"the run has ended; its sandboxes are closed"' in execution.cause
    huge = JsonHandler(lambda: '"' + "x" * 300_000 + '"')
    assert run_state_machine(pipeline(Function(name="a")), {arn("a"): huge}, {}).error == "States.DataLimitExceeded"


def test_missing_handler_is_lambdas_resource_not_found() -> None:
    execution = run_state_machine(pipeline(Function(name="a")), {}, {})
    assert execution.error == "Lambda.ResourceNotFoundException" and arn("a") in execution.cause


def test_input_that_is_not_json_is_an_event_error() -> None:
    with pytest.raises(EventError):
        run_state_machine(pipeline(Function(name="a")), {arn("a"): lambda e, c: e}, {"when": object()})


def test_handler_gets_a_copy_of_the_event() -> None:
    def mutate(event, context):
        event["changed"] = True
        return None

    definition = {"StartAt": "a", "States": {"a": task("a", ResultPath="$.result", Next="b"),
                                             "b": {"Type": "Pass", "End": True}}}
    definition["States"]["a"].pop("OutputPath")
    execution = run_state_machine(definition, {arn("a"): mutate}, {"k": 1})
    assert execution.output == {"k": 1, "result": {"StatusCode": 200, "Payload": None}}


def never_returns(event, context):
    threading.Event().wait()


def test_timeout_off_the_main_thread_abandons_the_handler() -> None:
    definition = pipeline(Function(name="fan", timeout_seconds=1, map=MapSettings(items_path="$.items")))
    execution = run_state_machine(definition, {arn("fan"): never_returns}, {"items": [1, 2]}, time_scale=0.02)
    assert (execution.status, execution.error) == (ExecutionStatus.FAILED, "States.Timeout")


def test_timeout_on_the_main_thread_interrupts_the_handler() -> None:
    execution = run_state_machine(pipeline(Function(name="a", timeout_seconds=1)), {arn("a"): never_returns}, {},
                                  time_scale=0.02)
    assert (execution.status, execution.error, execution.cause) == (ExecutionStatus.FAILED, "States.Timeout", None)


def test_map_items_really_run_concurrently() -> None:
    barrier = threading.Barrier(4, timeout=10)

    def meet(event, context):
        barrier.wait()  # only returns once 4 items are in flight at the same time
        return event * 10

    definition = pipeline(Function(name="fan", map=MapSettings(items_path="$.items", max_concurrency=4)))
    execution = run_state_machine(definition, {arn("fan"): meet}, {"items": [1, 2, 3, 4, 5, 6, 7, 8]})
    assert execution.output == [10, 20, 30, 40, 50, 60, 70, 80]


def test_max_concurrency_is_respected() -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def count(event, context):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return event

    definition = pipeline(Function(name="fan", map=MapSettings(items_path="$.items", max_concurrency=3)))
    execution = run_state_machine(definition, {arn("fan"): count}, {"items": list(range(20))})
    assert execution.output == list(range(20)) and peak[0] <= 3


def test_retry_waits_follow_backoff_scaled_by_time_scale() -> None:
    calls: list[float] = []

    def fails_twice(event, context):
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise RuntimeError("again")
        return "ok"

    definition = pipeline(Function(name="a", retry=(Retry(errors=("RuntimeError",), interval_seconds=1,
                                                          max_attempts=2, backoff_rate=3.0),)))
    execution = run_state_machine(definition, {arn("a"): fails_twice}, {}, time_scale=0.05)
    assert execution.output == "ok"
    first_wait, second_wait = calls[1] - calls[0], calls[2] - calls[1]
    assert first_wait >= 0.05 and second_wait >= 0.15  # 1 s then 3 s, scaled by 0.05
    assert [(e.state, e.status, e.attempt) for e in execution.history] == [
        ("a", "RETRYING", 0), ("a", "RETRYING", 1), ("a", "SUCCEEDED", 2)]


def test_context_factory_and_on_event_hooks() -> None:
    made, seen = [], []

    class Context:
        aws_request_id = "r"

        def __init__(self, function_arn, timeout):
            made.append((function_arn, timeout))

    definition = pipeline(Function(name="a", next_function="b", timeout_seconds=7), Function(name="b"))
    handlers = {arn("a"): lambda e, c: {"ctx": type(c).__name__}, arn("b"): lambda e, c: e}
    execution = run_state_machine(definition, handlers, {}, context_factory=Context, on_event=seen.append)
    assert made == [(arn("a"), 7), (arn("b"), 300)]
    assert execution.output == {"ctx": "Context"}
    assert [e.state for e in seen] == ["a", "b"] and seen == execution.history
    assert seen[0].input == {} and seen[0].output == {"ctx": "Context"} and seen[0].ended >= seen[0].started


def test_execution_timeout_is_timed_out() -> None:
    definition = {"StartAt": "w", "TimeoutSeconds": 1, "States": {
        "w": {"Type": "Wait", "Seconds": 2, "Next": "p"}, "p": {"Type": "Pass", "End": True}}}
    execution = run_state_machine(definition, {}, {}, time_scale=0.01)
    assert execution.status is ExecutionStatus.TIMED_OUT
