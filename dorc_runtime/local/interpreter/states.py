"""ASL states compiled into objects with one ``execute(run, scope, data) -> (output, next)``.

Everything about a state that can be decided before running (paths, templates, choice rules,
retry policy, which handler) is decided here, once; unknown fields and resources are refused by
name here too, so an unsupported construct never runs half-way.
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import UnsupportedConstructError
from . import intrinsics
from .choice import Predicate, compile_rule
from .errors import RUNTIME, StatesError, matches
from .paths import Path, compile_path
from .templates import ContextGetter, Template
from .timestamps import parse_timestamp

if TYPE_CHECKING:
    from .runner import Run, Scope

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
START_SYNC = "arn:aws:states:::states:startExecution.sync"
START_SYNC2 = "arn:aws:states:::states:startExecution.sync:2"

_COMMON = {"Type", "Comment", "Next", "End", "InputPath", "OutputPath", "QueryLanguage"}
_ALLOWED = {
    "Task": _COMMON | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",
                       "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"},
    "Parallel": _COMMON | {"Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Map": _COMMON | {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency",
                      "MaxConcurrencyPath", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Pass": _COMMON | {"Result", "ResultPath", "Parameters"},
    "Wait": _COMMON | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Choice": {"Type", "Comment", "InputPath", "OutputPath", "Choices", "Default", "QueryLanguage"},
    "Succeed": {"Type", "Comment", "InputPath", "OutputPath", "QueryLanguage"},
    "Fail": {"Type", "Comment", "Error", "Cause", "ErrorPath", "CausePath", "QueryLanguage"},
}
JSONPATH = "JSONPath"
MACHINE_FIELDS = {"StartAt", "States", "Comment", "TimeoutSeconds", "Version", "QueryLanguage"}

_NULL = object()  # ResultPath/InputPath/OutputPath: null (distinct from "absent")

MachineCompiler = Callable[[dict[str, Any], str], "Machine"]


@dataclass(frozen=True, slots=True)
class Retrier:
    errors: tuple[str, ...]
    interval: float
    max_attempts: int
    backoff: float
    max_delay: float | None
    full_jitter: bool

    def delay(self, retries_done: int) -> float:
        wait = self.interval * self.backoff**retries_done
        if self.max_delay is not None:
            wait = min(wait, self.max_delay)
        return random.uniform(0, wait) if self.full_jitter else wait


@dataclass(frozen=True, slots=True)
class Catcher:
    errors: tuple[str, ...]
    next: str
    result_path: Path | object | None


@dataclass(slots=True)
class Machine:
    start: str
    states: dict[str, State]
    timeout: float | None = None


def _optional_path(spec: dict[str, Any], key: str) -> Path | object | None:
    if key not in spec:
        return None
    return _NULL if spec[key] is None else compile_path(spec[key])


def check_query_language(spec: dict[str, Any], where: str) -> None:
    language = spec.get("QueryLanguage", JSONPATH)
    if language != JSONPATH:
        raise UnsupportedConstructError(
            f"{where}: QueryLanguage {language!r} is not supported by the local runner (only JSONPath)",
            fix="write the state machine with JSONPath paths and intrinsics, or run it on AWS",
        )


def read(path: Path, data: Any, context: ContextGetter) -> Any:
    """A path's value: from the context object for ``$$...`` paths, else from ``data``. AWS lets
    every path field read the context object
    (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html)."""
    return path.get(context() if path.context else data)


def positive_integer(value: Any, field: str, state: str, minimum: int = 1) -> int:
    """A number read through a ``...Path`` field: AWS fails the state with States.Runtime unless
    it is an integer (``2.0`` counts) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < minimum:
        raise StatesError(RUNTIME, f"{state}: {field} must resolve to an integer >= {minimum}, got {json.dumps(value)}")
    return int(value)


def _static_integer(spec: dict[str, Any], key: str, where: str, minimum: int) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UnsupportedConstructError(f"{where}: {key} must be an integer >= {minimum}, got {value!r} "
                                        "(AWS refuses the definition)", fix=f"set {key} to a whole number")
    return value


class State:
    """Fields and behaviour shared by every state type."""

    type = ""

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        unknown = set(spec) - _ALLOWED[self.type]
        if unknown:
            raise UnsupportedConstructError(
                f"{where}: field(s) {', '.join(sorted(unknown))} of a {self.type} state are not supported "
                "by the local runner", fix="remove them or run the pipeline on AWS",
            )
        check_query_language(spec, where)
        self.name = name
        self.where = where
        self.next: str | None = spec.get("Next")
        self.input_path = _optional_path(spec, "InputPath")
        self.output_path = _optional_path(spec, "OutputPath")
        if self.next is None and not spec.get("End") and self.type not in ("Choice", "Succeed", "Fail"):
            raise UnsupportedConstructError(f"{where}: state has neither Next nor End")

    def select_input(self, data: Any, context: ContextGetter) -> Any:
        path = self.input_path
        if path is None:
            return data
        return {} if path is _NULL else read(path, data, context)  # type: ignore[arg-type]

    def select_output(self, data: Any, context: ContextGetter) -> Any:
        path = self.output_path
        if path is None:
            return data
        return {} if path is _NULL else read(path, data, context)  # type: ignore[arg-type]

    def context(self, run: Run, entered: float) -> ContextGetter:
        """The context object while this state runs (no ``State.RetryCount``: only states that
        can retry have one)."""
        return lambda: run.context_object(self.name, entered, None)

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        raise NotImplementedError


class WorkState(State):
    """Task, Parallel and Map: Parameters, ResultSelector, ResultPath, Retry and Catch."""

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.parameters = Template(spec["Parameters"], where) if "Parameters" in spec and self.type != "Map" else None
        self.result_selector = Template(spec["ResultSelector"], where) if "ResultSelector" in spec else None
        self.result_path = _optional_path(spec, "ResultPath")
        self.retriers = tuple(
            Retrier(
                tuple(r["ErrorEquals"]),
                float(r.get("IntervalSeconds", 1)),
                int(r.get("MaxAttempts", 3)),
                float(r.get("BackoffRate", 2.0)),
                r.get("MaxDelaySeconds"),
                r.get("JitterStrategy", "NONE") == "FULL",
            )
            for r in spec.get("Retry", ())
        )
        self.catchers = tuple(
            Catcher(tuple(c["ErrorEquals"]), c["Next"], _optional_path(c, "ResultPath") or compile_path("$"))
            for c in spec.get("Catch", ())
        )

    def work(self, run: Run, scope: Scope, data: Any, context: ContextGetter, attempt: int, state_input: Any) -> Any:
        """The state's own job on ``data`` (its input after Parameters); ``state_input`` is its input
        before Parameters, which the ``...Path`` settings read."""
        raise NotImplementedError

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        counts = [0] * len(self.retriers)
        attempt = 0
        while True:
            started = time.time()

            def context(attempt: int = attempt, entered: float = started) -> Any:
                return run.context_object(self.name, entered, attempt)

            try:
                state_input = self.select_input(data, context)
                effective = state_input
                if self.parameters is not None:
                    effective = self.parameters.render(state_input, context)
                    run.check_size(effective, self.name, "input")
                result = self.work(run, scope, effective, context, attempt, state_input)
                if self.result_selector is not None:
                    result = self.result_selector.render(result, context)
                path = self.result_path
                if path is None:
                    output = result
                elif path is _NULL:
                    output = data
                else:
                    output = path.set(data, result)  # type: ignore[union-attr]
                output = self.select_output(output, context)
                run.check_size(output, self.name, "output")
            except StatesError as err:
                index = next((i for i, r in enumerate(self.retriers) if matches(r.errors, err.error)), None)
                if index is not None and counts[index] < self.retriers[index].max_attempts:
                    delay = self.retriers[index].delay(counts[index])
                    counts[index] += 1
                    run.record(scope, self, data, None, started, attempt, "RETRYING", err)
                    run.sleep(delay, scope)
                    attempt += 1
                    continue
                catcher = next((c for c in self.catchers if matches(c.errors, err.error)), None)
                if catcher is None:
                    run.record(scope, self, data, None, started, attempt, "FAILED", err)
                    raise
                document = {"Error": err.error, "Cause": "" if err.cause is None else err.cause}
                path = catcher.result_path
                output = data if path is _NULL else path.set(data, document)  # type: ignore[union-attr]
                run.record(scope, self, data, output, started, attempt, "CAUGHT", err)
                return output, catcher.next
            run.record(scope, self, data, output, started, attempt, "SUCCEEDED", None)
            return output, self.next


class Task(WorkState):
    type = "Task"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        if "Resource" not in spec:
            raise UnsupportedConstructError(f"{where}: Task without Resource")
        resource: str = spec["Resource"]
        self.resource = resource
        self.timeout: float | None = _static_integer(spec, "TimeoutSeconds", where, 1)
        self.timeout_path = compile_path(spec["TimeoutSecondsPath"]) if "TimeoutSecondsPath" in spec else None
        # Heartbeats are for activities and callback (.waitForTaskToken) tasks: AWS does not apply
        # them while a request-response Lambda invocation runs
        # (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html), so they are
        # checked and read, never enforced
        heartbeat = _static_integer(spec, "HeartbeatSeconds", where, 1)
        if heartbeat is not None and self.timeout is not None and heartbeat >= self.timeout:
            raise UnsupportedConstructError(f"{where}: HeartbeatSeconds must be smaller than TimeoutSeconds "
                                            "(AWS refuses the definition)")
        self.heartbeat_path = compile_path(spec["HeartbeatSecondsPath"]) if "HeartbeatSecondsPath" in spec else None
        if resource == LAMBDA_INVOKE:
            self.kind = "invoke"
        elif resource.startswith("arn:aws:lambda:") and ":function:" in resource:
            self.kind = "lambda"
        elif resource in (START_SYNC, START_SYNC2):
            self.kind = "sync2" if resource == START_SYNC2 else "sync"
        else:
            raise UnsupportedConstructError(
                f"{where}: Task resource {resource!r} is not supported by the local runner",
                fix="use arn:aws:states:::lambda:invoke, a Lambda ARN or states:startExecution.sync:2",
            )

    def work(self, run: Run, scope: Scope, data: Any, context: ContextGetter, attempt: int, state_input: Any) -> Any:
        timeout = self.timeout
        # AWS reads these from the state input, not from what Parameters made of it
        # (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html#task-state-fields)
        if self.timeout_path is not None:
            timeout = positive_integer(read(self.timeout_path, state_input, context), "TimeoutSecondsPath", self.name)
        if self.heartbeat_path is not None:
            positive_integer(read(self.heartbeat_path, state_input, context), "HeartbeatSecondsPath", self.name)
        if self.kind == "invoke":
            if not isinstance(data, dict) or "FunctionName" not in data:
                raise StatesError("States.Runtime", f"{self.name}: lambda:invoke needs Parameters.FunctionName")
            payload = invoke_payload(data.get("Payload"))
            result = run.invoke_lambda(data["FunctionName"], payload, timeout)
            # moto's shape of the invoke response; AWS adds ExecutedVersion and SDK metadata
            return {"StatusCode": 200, "Payload": result}
        if self.kind == "lambda":
            return run.invoke_lambda(self.resource, data, timeout)
        return run.start_execution(data, self.kind == "sync2", timeout)


def invoke_payload(payload: Any) -> Any:
    """The event a lambda:invoke Task hands its function. Step Functions sends ``Payload`` as the
    Invoke request's body (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html): none (null)
    is ``{}``; a string that holds JSON text is sent as that text, so the function gets the decoded
    value; any other string is sent as a JSON string (moto's reference interpreter does the same)."""
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            return payload
    return payload


class Parallel(WorkState):
    type = "Parallel"

    def __init__(self, name: str, spec: dict[str, Any], where: str, compile_machine: MachineCompiler) -> None:
        super().__init__(name, spec, where)
        self.branches = [compile_machine(b, f"{where}.Branches[{i}]") for i, b in enumerate(spec["Branches"])]

    def work(self, run: Run, scope: Scope, data: Any, context: ContextGetter, attempt: int, state_input: Any) -> Any:
        return run.run_parallel(scope, self, data)


class Map(WorkState):
    type = "Map"

    def __init__(self, name: str, spec: dict[str, Any], where: str, compile_machine: MachineCompiler) -> None:
        super().__init__(name, spec, where)
        processor = spec.get("ItemProcessor") or spec.get("Iterator")
        if processor is None:
            raise UnsupportedConstructError(f"{where}: Map without ItemProcessor")
        mode = processor.get("ProcessorConfig", {}).get("Mode", "INLINE")
        if mode != "INLINE" or set(processor.get("ProcessorConfig", {})) - {"Mode"}:
            raise UnsupportedConstructError(f"{where}: Map ProcessorConfig {processor['ProcessorConfig']} "
                                            "(only Mode INLINE runs locally)")
        body = {k: v for k, v in processor.items() if k != "ProcessorConfig"}
        self.processor = compile_machine(body, f"{where}.ItemProcessor")
        self.items_path = compile_path(spec.get("ItemsPath", "$"))
        selector = spec.get("ItemSelector", spec.get("Parameters"))
        self.item_selector = Template(selector, where) if selector is not None else None
        self.max_concurrency: int = _static_integer(spec, "MaxConcurrency", where, 0) or 0
        self.max_concurrency_path = compile_path(spec["MaxConcurrencyPath"]) if "MaxConcurrencyPath" in spec else None

    def work(self, run: Run, scope: Scope, data: Any, context: ContextGetter, attempt: int, state_input: Any) -> Any:
        # ItemsPath and MaxConcurrencyPath read the state input (after InputPath), or the context object
        # (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemspath.html)
        items = read(self.items_path, state_input, context)
        if not isinstance(items, list):
            raise StatesError("States.Runtime", f"{self.name}: ItemsPath '{self.items_path.text}' is not an array")
        limit = self.max_concurrency
        if self.max_concurrency_path is not None:
            limit = positive_integer(read(self.max_concurrency_path, state_input, context), "MaxConcurrencyPath",
                                     self.name, minimum=0)
        return run.run_map(scope, self, state_input, items, limit)


class Pass(State):
    type = "Pass"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.has_result = "Result" in spec
        self.result = spec.get("Result")
        self.parameters = Template(spec["Parameters"], where) if "Parameters" in spec else None
        self.result_path = _optional_path(spec, "ResultPath")

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            effective = self.select_input(data, context)
            if self.parameters is not None:
                effective = self.parameters.render(effective, context)
                run.check_size(effective, self.name, "input")
            result = self.result if self.has_result else effective
            path = self.result_path
            output = result if path is None else data if path is _NULL else path.set(data, result)  # type: ignore[union-attr]
            output = self.select_output(output, context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, self.next


class Wait(State):
    type = "Wait"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        kinds = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in spec]
        if len(kinds) != 1:
            raise UnsupportedConstructError(f"{where}: a Wait state needs exactly one of Seconds, SecondsPath, "
                                            f"Timestamp or TimestampPath, got {kinds or 'none'}")
        self.seconds = _static_integer(spec, "Seconds", where, 0)
        self.seconds_path = compile_path(spec["SecondsPath"]) if "SecondsPath" in spec else None
        self.timestamp = spec.get("Timestamp")
        if self.timestamp is not None and parse_timestamp(self.timestamp) is None:
            raise UnsupportedConstructError(f"{where}: Timestamp {self.timestamp!r} is not an RFC 3339 timestamp "
                                            "(AWS refuses the definition)", fix="write it as 2026-01-31T12:00:00Z")
        self.timestamp_path = compile_path(spec["TimestampPath"]) if "TimestampPath" in spec else None

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            effective = self.select_input(data, context)
            seconds = self._seconds(effective, context)
            output = self.select_output(effective, context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.sleep(seconds, scope)
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, self.next

    def _seconds(self, effective: Any, context: ContextGetter) -> float:
        """AWS: SecondsPath must give a non-negative integer, TimestampPath an RFC 3339 timestamp
        (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html); else States.Runtime."""
        if self.seconds is not None:
            return float(self.seconds)
        if self.seconds_path is not None:
            return float(positive_integer(read(self.seconds_path, effective, context), "SecondsPath", self.name, 0))
        value = self.timestamp if self.timestamp is not None else read(self.timestamp_path, effective, context)  # type: ignore[arg-type]
        stamp = parse_timestamp(value)
        if stamp is None:
            raise StatesError(RUNTIME, f"{self.name}: TimestampPath must resolve to an RFC 3339 timestamp such as "
                                       f"2026-01-31T12:00:00Z, got {json.dumps(value)}")
        return max(0.0, stamp.timestamp() - time.time())


class Choice(State):
    type = "Choice"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.rules: list[tuple[Predicate, str]] = [
            (compile_rule(rule, f"{where}.Choices[{i}]"), rule["Next"]) for i, rule in enumerate(spec["Choices"])
        ]
        self.default: str | None = spec.get("Default")

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            effective = self.select_input(data, context)
            target = next((nxt for rule, nxt in self.rules if rule(effective, context)), self.default)
            if target is None:
                # AWS reports no match as States.Runtime (States.NoChoiceMatched is "reserved for future
                # use", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)
                raise StatesError(RUNTIME, f"An error occurred while executing the state '{self.name}'. No Matches!")
            output = self.select_output(effective, context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, target


class Succeed(State):
    type = "Succeed"

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            output = self.select_output(self.select_input(data, context), context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, None


class Fail(State):
    type = "Fail"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.error = spec.get("Error")
        self.cause = spec.get("Cause")
        self.error_path = _path_or_intrinsic(spec.get("ErrorPath"))
        self.cause_path = _path_or_intrinsic(spec.get("CausePath"))

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            error = self._text(self.error_path, "ErrorPath", data, context) if self.error_path else self.error
            cause = self._text(self.cause_path, "CausePath", data, context) if self.cause_path else self.cause
            err = StatesError(error, cause)
        except StatesError as failed:
            err = failed
        run.record(scope, self, data, None, started, 0, "FAILED", err)
        raise err

    def _text(self, source: Path | intrinsics.Call, field: str, data: Any, context: ContextGetter) -> str:
        """ErrorPath/CausePath: a reference path or an intrinsic function that gives a string
        (https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html)."""
        if isinstance(source, Path):
            value = read(source, data, context)
        else:
            value = source.evaluate(lambda path: read(path, data, context))
        if not isinstance(value, str):
            raise StatesError(RUNTIME, f"{self.name}: {field} must resolve to a string, got {json.dumps(value)}")
        return value


def _path_or_intrinsic(text: str | None) -> Path | intrinsics.Call | None:
    if text is None:
        return None
    return intrinsics.parse(text) if text.startswith("States.") else compile_path(text)


_SIMPLE: dict[str, type[State]] = {"Task": Task, "Pass": Pass, "Wait": Wait, "Choice": Choice,
                                   "Succeed": Succeed, "Fail": Fail}


def compile_definition(definition: dict[str, Any]) -> Machine:
    """Compile, reusing the result for an identical definition (compiled machines are immutable)."""
    return _compile_text(json.dumps(definition, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _compile_text(text: str) -> Machine:
    return compile_machine(json.loads(text))


def compile_machine(spec: dict[str, Any], where: str = "$") -> Machine:
    """Compile a state machine (or a branch / item processor) and check every transition."""
    for key in set(spec) - MACHINE_FIELDS:
        raise UnsupportedConstructError(f"{where}: top-level field {key!r} is not supported by the local runner")
    check_query_language(spec, where)
    states: dict[str, State] = {}
    for name, state_spec in spec["States"].items():
        kind = state_spec.get("Type")
        at = f"{where}.States[{name!r}]"
        if kind in ("Parallel", "Map"):
            states[name] = (Parallel if kind == "Parallel" else Map)(name, state_spec, at, compile_machine)
        elif kind in _SIMPLE:
            states[name] = _SIMPLE[kind](name, state_spec, at)
        else:
            raise UnsupportedConstructError(f"{at}: state type {kind!r} is not supported by the local runner")
    targets = [spec["StartAt"]]
    for state in states.values():
        targets += [state.next] if state.next else []
        if isinstance(state, WorkState):
            targets += [c.next for c in state.catchers]
        if isinstance(state, Choice):
            targets += [t for _, t in state.rules] + ([state.default] if state.default else [])
    missing = sorted({t for t in targets if t not in states})
    if missing:
        raise UnsupportedConstructError(f"{where}: transitions to unknown state(s) {', '.join(missing)}")
    return Machine(spec["StartAt"], states, _static_integer(spec, "TimeoutSeconds", where, 1))
