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
from .choice import Predicate, compile_rule
from .errors import NO_CHOICE, StatesError, matches
from .paths import Path, compile_path
from .templates import Template

if TYPE_CHECKING:
    from .runner import Run, Scope

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
START_SYNC = "arn:aws:states:::states:startExecution.sync"
START_SYNC2 = "arn:aws:states:::states:startExecution.sync:2"

_COMMON = {"Type", "Comment", "Next", "End", "InputPath", "OutputPath"}
_ALLOWED = {
    "Task": _COMMON | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",
                       "TimeoutSeconds", "TimeoutSecondsPath"},
    "Parallel": _COMMON | {"Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Map": _COMMON | {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency",
                      "MaxConcurrencyPath", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Pass": _COMMON | {"Result", "ResultPath", "Parameters"},
    "Wait": _COMMON | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Choice": {"Type", "Comment", "InputPath", "OutputPath", "Choices", "Default"},
    "Succeed": {"Type", "Comment", "InputPath", "OutputPath"},
    "Fail": {"Type", "Comment", "Error", "Cause", "ErrorPath", "CausePath"},
}

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
        self.name = name
        self.where = where
        self.next: str | None = spec.get("Next")
        self.input_path = _optional_path(spec, "InputPath")
        self.output_path = _optional_path(spec, "OutputPath")
        if self.next is None and not spec.get("End") and self.type not in ("Choice", "Succeed", "Fail"):
            raise UnsupportedConstructError(f"{where}: state has neither Next nor End")

    def select_input(self, data: Any) -> Any:
        path = self.input_path
        if path is None:
            return data
        return {} if path is _NULL else path.get(data)  # type: ignore[union-attr]

    def select_output(self, data: Any) -> Any:
        path = self.output_path
        if path is None:
            return data
        return {} if path is _NULL else path.get(data)  # type: ignore[union-attr]

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

    def work(self, run: Run, scope: Scope, data: Any, context: Callable[[], Any], attempt: int) -> Any:
        raise NotImplementedError

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        counts = [0] * len(self.retriers)
        attempt = 0
        while True:
            started = time.time()

            def context(attempt: int = attempt, entered: float = started) -> Any:
                return run.context_object(self.name, entered, attempt)

            try:
                effective = self.select_input(data)
                if self.parameters is not None:
                    effective = self.parameters.render(effective, context)
                result = self.work(run, scope, effective, context, attempt)
                if self.result_selector is not None:
                    result = self.result_selector.render(result, context)
                path = self.result_path
                if path is None:
                    output = result
                elif path is _NULL:
                    output = data
                else:
                    output = path.set(data, result)  # type: ignore[union-attr]
                output = self.select_output(output)
            except StatesError as err:
                index = next((i for i, r in enumerate(self.retriers) if matches(r.errors, err.error)), None)
                if index is not None and counts[index] < self.retriers[index].max_attempts:
                    delay = self.retriers[index].delay(counts[index])
                    counts[index] += 1
                    run.record(scope, self, data, None, started, attempt, "RETRYING", err)
                    run.sleep(delay)
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
        self.timeout: float | None = spec.get("TimeoutSeconds")
        self.timeout_path = compile_path(spec["TimeoutSecondsPath"]) if "TimeoutSecondsPath" in spec else None
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

    def work(self, run: Run, scope: Scope, data: Any, context: Callable[[], Any], attempt: int) -> Any:
        timeout = self.timeout
        if self.timeout_path is not None:
            timeout = self.timeout_path.get(data)
        if self.kind == "invoke":
            if not isinstance(data, dict) or "FunctionName" not in data:
                raise StatesError("States.Runtime", f"{self.name}: lambda:invoke needs Parameters.FunctionName")
            payload = data.get("Payload")
            result = run.invoke_lambda(data["FunctionName"], payload, timeout)
            # moto's shape of the invoke response; AWS adds ExecutedVersion and SDK metadata
            return {"StatusCode": 200, "Payload": result}
        if self.kind == "lambda":
            return run.invoke_lambda(self.resource, data, timeout)
        return run.start_execution(data, self.kind == "sync2", timeout)


class Parallel(WorkState):
    type = "Parallel"

    def __init__(self, name: str, spec: dict[str, Any], where: str, compile_machine: MachineCompiler) -> None:
        super().__init__(name, spec, where)
        self.branches = [compile_machine(b, f"{where}.Branches[{i}]") for i, b in enumerate(spec["Branches"])]

    def work(self, run: Run, scope: Scope, data: Any, context: Callable[[], Any], attempt: int) -> Any:
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
        self.max_concurrency: int = spec.get("MaxConcurrency", 0)
        self.max_concurrency_path = compile_path(spec["MaxConcurrencyPath"]) if "MaxConcurrencyPath" in spec else None

    def work(self, run: Run, scope: Scope, data: Any, context: Callable[[], Any], attempt: int) -> Any:
        items = self.items_path.get(data)
        if not isinstance(items, list):
            raise StatesError("States.Runtime", f"{self.name}: ItemsPath '{self.items_path.text}' is not an array")
        limit = self.max_concurrency
        if self.max_concurrency_path is not None:
            limit = int(self.max_concurrency_path.get(data))
        return run.run_map(scope, self, data, items, limit)


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
        effective = self.select_input(data)
        if self.parameters is not None:
            effective = self.parameters.render(effective, lambda: run.context_object(self.name, started, 0))
        result = self.result if self.has_result else effective
        path = self.result_path
        output = result if path is None else data if path is _NULL else path.set(data, result)  # type: ignore[union-attr]
        output = self.select_output(output)
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, self.next


class Wait(State):
    type = "Wait"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.seconds = spec.get("Seconds")
        self.seconds_path = compile_path(spec["SecondsPath"]) if "SecondsPath" in spec else None
        self.timestamp = spec.get("Timestamp")
        self.timestamp_path = compile_path(spec["TimestampPath"]) if "TimestampPath" in spec else None

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        from .choice import _timestamp

        started = time.time()
        effective = self.select_input(data)
        if self.seconds is not None or self.seconds_path is not None:
            seconds = self.seconds if self.seconds is not None else self.seconds_path.get(effective)  # type: ignore[union-attr]
        else:
            stamp = _timestamp(self.timestamp if self.timestamp is not None else self.timestamp_path.get(effective))  # type: ignore[union-attr]
            if stamp is None:
                raise StatesError("States.Runtime", f"{self.name}: not an ISO-8601 timestamp")
            seconds = max(0.0, stamp.timestamp() - time.time())
        run.sleep(float(seconds))
        output = self.select_output(effective)
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, self.next


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
        effective = self.select_input(data)

        def context() -> Any:
            return run.context_object(self.name, started, 0)

        target = next((nxt for rule, nxt in self.rules if rule(effective, context)), self.default)
        if target is None:
            err = StatesError(NO_CHOICE, f"No Matches! in state {self.name!r}")
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise err
        output = self.select_output(effective)
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, target


class Succeed(State):
    type = "Succeed"

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        output = self.select_output(self.select_input(data))
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, None


class Fail(State):
    type = "Fail"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.error = spec.get("Error")
        self.cause = spec.get("Cause")
        self.error_path = compile_path(spec["ErrorPath"]) if "ErrorPath" in spec else None
        self.cause_path = compile_path(spec["CausePath"]) if "CausePath" in spec else None

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        error = self.error_path.get(data) if self.error_path is not None else self.error
        cause = self.cause_path.get(data) if self.cause_path is not None else self.cause
        err = StatesError(error, cause)
        run.record(scope, self, data, None, started, 0, "FAILED", err)
        raise err


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
    for key in set(spec) - {"StartAt", "States", "Comment", "TimeoutSeconds", "Version"}:
        raise UnsupportedConstructError(f"{where}: top-level field {key!r} is not supported by the local runner")
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
    return Machine(spec["StartAt"], states, spec.get("TimeoutSeconds"))
