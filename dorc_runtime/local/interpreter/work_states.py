"""Task, Parallel and Map: the states that do work, with Parameters, ResultSelector, ResultPath,
Retry and Catch. Everything that can be decided before running is decided when they are compiled."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import UnsupportedConstructError
from .errors import StatesError, matches
from .paths import Path, compile_path
from .state_base import NULL, Machine, State, optional_path, positive_integer, read, static_integer
from .templates import ContextGetter, Template

if TYPE_CHECKING:
    from .runner import Run, Scope

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
START_SYNC = "arn:aws:states:::states:startExecution.sync"
START_SYNC2 = "arn:aws:states:::states:startExecution.sync:2"

MachineCompiler = Callable[[dict[str, Any], str], Machine]


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


class WorkState(State):
    """Task, Parallel and Map: Parameters, ResultSelector, ResultPath, Retry and Catch."""

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.parameters = Template(spec["Parameters"], where) if "Parameters" in spec and self.type != "Map" else None
        self.result_selector = Template(spec["ResultSelector"], where) if "ResultSelector" in spec else None
        self.result_path = optional_path(spec, "ResultPath")
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
            Catcher(tuple(c["ErrorEquals"]), c["Next"], optional_path(c, "ResultPath") or compile_path("$"))
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
                elif path is NULL:
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
                output = data if path is NULL else path.set(data, document)  # type: ignore[union-attr]
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
        self.timeout: float | None = static_integer(spec, "TimeoutSeconds", where, 1)
        self.timeout_path = compile_path(spec["TimeoutSecondsPath"]) if "TimeoutSecondsPath" in spec else None
        # Heartbeats are for activities and callback (.waitForTaskToken) tasks: AWS does not apply
        # them while a request-response Lambda invocation runs
        # (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html), so they are
        # checked and read, never enforced
        heartbeat = static_integer(spec, "HeartbeatSeconds", where, 1)
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
            return run.invoke_lambda(self.resource, invoke_payload(data), timeout)  # the same Invoke request
        return run.start_execution(data, self.kind == "sync2", timeout)


def invoke_payload(payload: Any) -> Any:
    """The event a lambda:invoke Task (or a Task whose Resource is the function's ARN, with its
    input as the payload) hands its function. Step Functions sends ``Payload`` as the
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
        self.max_concurrency: int = static_integer(spec, "MaxConcurrency", where, 0) or 0
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
