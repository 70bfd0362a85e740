"""Run a compiled state machine: the state loop, Lambda invocation, Parallel/Map workers, nested
executions, history and time.

Why a hand-written interpreter rather than moto's bundled one (``moto.stepfunctions.parser``):
that interpreter dispatches every Task through boto3 to an emulated Lambda service and costs
~24 ms per state; dorc's goal is <= 50 µs, so states are compiled once to small objects and a
Lambda task calls the handler in-process. moto's interpreter stays the reference: the parity
tests run the same definitions through both.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from queue import SimpleQueue
from typing import Any

from ...errors import EventError
from .errors import DATA_LIMIT, TIMEOUT, HandlerTimeout, StatesError
from .execution import Execution, ExecutionStatus, HistoryEvent
from .lambda_invoke import (
    MAX_PAYLOAD_BYTES,
    DefaultContext,
    Handler,
    compact,
    invoke_measured,
    json_size,
    text_size,
)
from .states import Machine, Map, Parallel, State, compile_definition
from .timeouts import call_with_timeout

DEFAULT_MAP_CONCURRENCY = 40  # an inline Map runs at most 40 iterations at once on AWS
LOCAL_STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:local"
STANDARD, EXPRESS = "STANDARD", "EXPRESS"
# "Express Workflows can run for up to five minutes"
# (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html)
EXPRESS_MAX_SECONDS = 300

ContextFactory = Callable[[str, float | None], Any]
EventCallback = Callable[[HistoryEvent], None]
EnterCallback = Callable[[str, str, float], None]  # (scope label, state name, time.time())
StartExecution = Callable[[str, Any], Execution]


# the Lambda request id of the Task attempt running on this thread, for its history event
_attempt = threading.local()


class _Cancelled(Exception):
    """A sibling branch or iteration failed: stop at the next state boundary."""


class _ExecutionTimedOut(Exception):
    pass


class Scope:
    """Where states run (top level, a branch, a Map iteration) and whether to stop."""

    __slots__ = ("label", "parent", "cancelled", "record")

    def __init__(self, label: str, parent: Scope | None, record: bool = True) -> None:
        self.label = label
        self.parent = parent
        self.cancelled = False
        self.record = record

    def is_cancelled(self) -> bool:
        scope: Scope | None = self
        while scope is not None:
            if scope.cancelled:
                return True
            scope = scope.parent
        return False


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Run:
    """One execution: options, history, and the services states call back into."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        execution_input: Any,
        *,
        time_scale: float = 1.0,
        context_factory: ContextFactory | None = None,
        on_event: EventCallback | None = None,
        state_machines: Mapping[str, tuple[dict[str, Any], Mapping[str, Handler]]] | None = None,
        start_execution: StartExecution | None = None,
        state_machine_arn: str = LOCAL_STATE_MACHINE_ARN,
        name: str | None = None,
        record_iterations: bool = False,
        state_machine_type: str = STANDARD,
        on_enter: EnterCallback | None = None,
        reuse: Mapping[str, Mapping[int, Any]] | None = None,
    ) -> None:
        self.handlers = handlers
        self.by_name = {arn.rsplit(":function:", 1)[-1].split(":")[0]: fn for arn, fn in handlers.items()}
        self.input = execution_input
        self.time_scale = time_scale
        self.context_factory = context_factory or DefaultContext
        self.on_event = on_event
        self.state_machines = state_machines or {}
        self.start_callback = start_execution
        self.state_machine_arn = state_machine_arn
        self.name = name or str(uuid.uuid4())
        self.sm_name = state_machine_arn.rsplit(":", 1)[-1]
        self.execution_arn = execution_arn(state_machine_arn, self.name, state_machine_type)
        self.record_iterations = record_iterations
        self.on_enter = on_enter
        # resume: results of a top-level Parallel's branches / Map's iterations that already succeeded
        self.reuse = reuse or {}
        self.history: list[HistoryEvent] = []
        self.started = time.time()
        self.deadline: float | None = None  # time.monotonic() when the execution times out
        # wakes Wait states and retry delays when a sibling branch fails
        self._wake = threading.Condition()
        # sizes already measured, by object (kept alive with it so that its id is not reused):
        # a Task's output is usually its Lambda result, and its next input is that output again
        self._sizes: dict[int, tuple[Any, int]] = {}

    # -- options shared with nested executions ----------------------------------------------------
    def child_options(self) -> dict[str, Any]:
        return {
            "time_scale": self.time_scale,
            "context_factory": self.context_factory,
            "on_event": self.on_event,
            "state_machines": self.state_machines,
            "start_execution": self.start_callback,
            "record_iterations": self.record_iterations,
            "on_enter": self.on_enter,
        }

    # -- the state loop -------------------------------------------------------------------------
    def run_machine(self, machine: Machine, data: Any, scope: Scope) -> Any:
        states = machine.states
        name: str | None = machine.start
        deadline = self.deadline
        while name is not None:
            if scope.is_cancelled():
                raise _Cancelled()
            if deadline is not None and time.monotonic() > deadline:
                raise _ExecutionTimedOut()
            if self.on_enter is not None and scope.record:
                self.on_enter(scope.label, name, time.time())
            data, name = states[name].execute(self, scope, data)
        return data

    def record(self, scope: Scope, state: State, data: Any, output: Any, started: float, attempt: int,
               status: str, err: StatesError | None) -> None:
        if not scope.record and status != "FAILED":  # a failure is kept: it names the failing item
            return
        request_id = _attempt.__dict__.pop("request_id", None) if state.type == "Task" else None
        event = HistoryEvent(state.name, state.type, data, output, started, time.time(), attempt, status,
                             err.error if err else None, err.cause if err else None, scope.label, request_id)
        self.history.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def sleep(self, seconds: float, scope: Scope) -> None:
        """Wait (a Wait state, a retry delay) until ``seconds`` have passed, the execution times out
        or a sibling branch fails, whichever comes first."""
        if seconds <= 0:
            return
        end = time.monotonic() + seconds * self.time_scale
        with self._wake:
            while True:
                if scope.is_cancelled():
                    raise _Cancelled()
                now = time.monotonic()
                if self.deadline is not None and now >= self.deadline:
                    raise _ExecutionTimedOut()
                if now >= end:
                    return
                self._wake.wait(min(end, self.deadline or end) - now)

    def cancel(self, scopes: list[Scope]) -> None:
        for scope in scopes:
            scope.cancelled = True
        with self._wake:
            self._wake.notify_all()

    def check_size(self, value: Any, state: str, what: str) -> None:
        """AWS fails a state whose input (after Parameters) or output is over 256 KB with
        States.DataLimitExceeded (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)."""
        size = self.size_of(value)
        if size > MAX_PAYLOAD_BYTES:
            raise StatesError(DATA_LIMIT, f"The state/task '{state}' {'returned a result' if what == 'output' else 'has an input'} "
                                          f"with a size exceeding the maximum number of bytes service limit "
                                          f"({size} bytes > {MAX_PAYLOAD_BYTES} bytes).")

    def size_of(self, value: Any) -> int:
        """:func:`json_size`, reusing what is known of ``value`` and of an object's direct members."""
        kind = type(value)
        if kind is str:
            return text_size(value)
        if kind is not dict and kind is not list:
            return json_size(value)
        known = self._sizes.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if kind is dict and value:  # '{' + '"key": value' joined by ', ' + '}'
            size = 2 * len(value)
            for key, member in value.items():
                size += text_size(key) + 2 + self.size_of(member)
        else:
            size = json_size(value)
        self.remember_size(value, size)
        return size

    def remember_size(self, value: Any, size: int) -> None:
        if type(value) is not dict and type(value) is not list:
            return  # small immutable values are cheaper to measure again than to keep
        if len(self._sizes) > 256:
            self._sizes.clear()
        self._sizes[id(value)] = (value, size)

    def context_object(self, state: str, entered: float, retry_count: int | None,
                       item: tuple[int, Any] | None = None) -> Any:
        """The context object (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html):
        RedriveCount is 0 as no local run is a redrive (so no RedriveTime); ``State.RetryCount`` only
        in states that retry (Task, Parallel, Map), ``Map.Item`` only in a Map's ItemSelector."""
        context: dict[str, Any] = {
            "Execution": {"Id": self.execution_arn, "Input": self.input, "Name": self.name,
                          "RoleArn": "arn:aws:iam::123456789012:role/dorc-local", "StartTime": _iso(self.started),
                          "RedriveCount": 0},
            "StateMachine": {"Id": self.state_machine_arn, "Name": self.sm_name},
            "State": {"EnteredTime": _iso(entered), "Name": state},
        }
        if retry_count is not None:
            context["State"]["RetryCount"] = retry_count
        if item is not None:
            context["Map"] = {"Item": {"Index": item[0], "Value": item[1]}}
        return context

    # -- Task services ----------------------------------------------------------------------------
    def handler_for(self, function: str) -> Handler:
        handler = self.handlers.get(function)
        if handler is None:
            handler = self.by_name.get(function.rsplit(":function:", 1)[-1].split(":")[0])
        if handler is None:
            raise StatesError(
                "Lambda.ResourceNotFoundException",
                f"Function not found: {function} (Service: AWSLambda; Status Code: 404; "
                "Error Code: ResourceNotFoundException; Proxy: null)",
            )
        return handler

    def invoke_lambda(self, function: str, payload: Any, timeout: float | None) -> Any:
        handler = self.handler_for(function)
        context = self.context_factory(function, timeout)
        _attempt.request_id = getattr(context, "aws_request_id", None)
        result, size = self._call_within(lambda: invoke_measured(handler, payload, context), timeout)
        self.remember_size(result, size)
        return result

    def _call_within(self, call: Callable[[], Any], timeout: float | None) -> Any:
        """``call()`` bounded by the Task's TimeoutSeconds (States.Timeout) and by what is left of
        the execution's own TimeoutSeconds (the execution times out, even in the middle of a Task)."""
        scaled = None if timeout is None else timeout * self.time_scale
        left = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
        execution_first = left is not None and (scaled is None or left < scaled)
        try:
            return call_with_timeout(call, left if execution_first else scaled)
        except HandlerTimeout:
            if execution_first:
                raise _ExecutionTimedOut() from None
            raise StatesError(TIMEOUT, None) from None

    def start_execution(self, parameters: Any, sync2: bool, timeout: float | None) -> Any:
        if not isinstance(parameters, dict) or "StateMachineArn" not in parameters:
            raise StatesError("States.Runtime", "startExecution needs Parameters.StateMachineArn")
        arn = parameters["StateMachineArn"]
        child_input = parameters.get("Input", {})
        if isinstance(child_input, str):
            child_input = json.loads(child_input)
        child = self._call_within(lambda: self._run_child(arn, child_input, parameters.get("Name")), timeout)
        described = {
            "ExecutionArn": child.arn, "Input": child_input if sync2 else compact(child_input),
            "InputDetails": {"Included": True}, "Name": child.arn.rsplit(":", 1)[-1],
            "Output": child.output if sync2 else compact(child.output), "OutputDetails": {"Included": True},
            "StartDate": int(child.started * 1000), "StateMachineArn": arn, "Status": child.status.value,
            "StopDate": int(child.stopped * 1000),
        }
        if child.status is not ExecutionStatus.SUCCEEDED:
            failed = {k: v for k, v in described.items() if k not in ("Output", "OutputDetails")}
            failed.update({"Error": child.error, "Cause": child.cause})
            raise StatesError("States.TaskFailed", compact(failed))
        return described

    def _run_child(self, arn: str, child_input: Any, name: str | None) -> Execution:
        if self.start_callback is not None and arn not in self.state_machines:
            return self.start_callback(arn, child_input)
        if arn not in self.state_machines:
            raise StatesError(
                "StepFunctions.StateMachineDoesNotExistException",
                f"State Machine Does Not Exist: '{arn}'",
            )
        definition, handlers = self.state_machines[arn]
        options = self.child_options()
        if self.on_event is not None:  # label the child's states with its state machine's name
            report, label = self.on_event, arn.rsplit(":", 1)[-1]
            options["on_event"] = lambda event: report(
                dataclasses.replace(event, scope=f"{label} > {event.scope}" if event.scope else label)
            )
        return run_state_machine(definition, handlers, child_input, state_machine_arn=arn, name=name, **options)

    # -- Parallel and Map -------------------------------------------------------------------------
    def run_parallel(self, scope: Scope, state: Parallel, data: Any) -> list[Any]:
        scopes = [Scope(f"{state.name}[{i}]", scope, scope.record) for i in range(len(state.branches))]
        jobs = [(lambda m=m, s=s: self.run_machine(m, data, s)) for m, s in zip(state.branches, scopes, strict=True)]
        done = self.reuse.get(state.name, {}) if scope.parent is None else {}
        jobs = [(lambda i=i: done[i]) if i in done else job for i, job in enumerate(jobs)]
        return self._gather(jobs, scopes, len(jobs))

    def run_map(self, scope: Scope, state: Map, data: Any, items: list[Any], limit: int) -> list[Any]:
        record = scope.record and self.record_iterations
        group = Scope(state.name, scope, record)
        selector = state.item_selector
        started = time.time()
        done = self.reuse.get(state.name, {}) if scope.parent is None else {}

        def job(index: int) -> Any:
            if index in done:
                return done[index]
            item = items[index]
            if selector is not None:
                item = selector.render(data, lambda: self.context_object(state.name, started, 0, (index, items[index])))
            label = Scope(f"{state.name}[{index}]", group, record)
            return self.run_machine(state.processor, item, label)

        workers = min(limit or DEFAULT_MAP_CONCURRENCY, len(items))
        return self._gather(_Jobs(job, len(items)), [group], workers)

    def _gather(self, jobs: Any, scopes: list[Scope], workers: int) -> list[Any]:
        """Run ``jobs`` on ``workers`` threads; results in order, or the first failure."""
        count = len(jobs)
        results: list[Any] = [None] * count
        if count == 0:
            return results
        if workers <= 1:
            for index in range(count):
                results[index] = jobs[index]()
            return results
        next_index = iter(range(count))
        lock = threading.Lock()
        done: SimpleQueue[BaseException | None] = SimpleQueue()

        def worker() -> None:
            try:
                while True:
                    with lock:
                        index = next(next_index, None)
                    if index is None:
                        break
                    results[index] = jobs[index]()
            except BaseException as exc:  # reported to the waiting state, which re-raises it
                self.cancel(scopes)
                done.put(exc)
                return
            done.put(None)

        threads = min(workers, count)
        for _ in range(threads):
            threading.Thread(target=worker, name="dorc-worker", daemon=True).start()
        failure: BaseException | None = None
        for _ in range(threads):
            outcome = done.get()
            if outcome is not None and not isinstance(outcome, _Cancelled) and failure is None:
                failure = outcome
                break
        if failure is not None:
            raise failure
        return results


def execution_arn(state_machine_arn: str, name: str, state_machine_type: str) -> str:
    """A STANDARD execution is ``...:execution:<machine>:<name>``; an EXPRESS one
    ``...:express:<machine>:<name>:<id>`` (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html#awsstepfunctions-resources-for-iam-policies)."""
    if state_machine_type == EXPRESS:
        return state_machine_arn.replace(":stateMachine:", ":express:") + f":{name}:{uuid.uuid4()}"
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"


class _Jobs:
    """Map iterations as an indexable sequence of calls, without a closure per item."""

    __slots__ = ("job", "count")

    def __init__(self, job: Callable[[int], Any], count: int) -> None:
        self.job, self.count = job, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> Callable[[], Any]:
        return lambda: self.job(index)


def run_state_machine(
    definition: dict[str, Any],
    handlers: Mapping[str, Handler],
    input: Any = None,  # noqa: A002 - the name the contract uses
    **options: Any,
) -> Execution:
    """Run ASL ``definition`` locally; ``handlers`` maps each Task's Lambda ARN to ``(event, context)``.

    Options: ``time_scale`` (multiplies retry waits, Wait states and timeouts), ``context_factory
    (function_arn, timeout_seconds)``, ``on_event(HistoryEvent)``, ``state_machines {arn: (definition,
    handlers)}`` and/or ``start_execution(arn, input) -> Execution`` for startExecution.sync:2,
    ``state_machine_arn``, ``name``, ``record_iterations`` (history of every Map iteration's states),
    ``state_machine_type`` (``"STANDARD"`` or ``"EXPRESS"``: the execution ARN's form and, for EXPRESS,
    AWS's five-minute limit),
    ``on_enter(scope, state, time)`` before each state runs, ``reuse {state: {index: result}}`` (a
    top-level Parallel's branches or Map's iterations not to run again: resuming a failed run).
    Raises :class:`UnsupportedConstructError` before running anything the interpreter lacks.
    """
    machine = compile_definition(definition)
    data = {} if input is None else input
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise EventError(f"the execution input is not JSON: {exc}", fix="pass JSON-serialisable input") from None
    if len(text.encode()) > MAX_PAYLOAD_BYTES:  # StartExecution's input is at most 256 KB
        raise EventError(f"the execution input is {len(text.encode())} bytes, over Step Functions' limit of "
                         f"{MAX_PAYLOAD_BYTES} bytes", fix="pass a smaller event, e.g. an S3 key instead of the data")
    data = json.loads(text)
    run = Run(handlers, data, **options)
    time_scale = options.get("time_scale", 1.0)
    limit = machine.timeout
    if options.get("state_machine_type") == EXPRESS:
        limit = min(limit or EXPRESS_MAX_SECONDS, EXPRESS_MAX_SECONDS)
    if limit is not None:
        run.deadline = time.monotonic() + limit * time_scale
    execution = Execution(ExecutionStatus.SUCCEEDED, history=run.history, started=run.started,
                          arn=run.execution_arn, input=data)
    try:
        execution.output = run.run_machine(machine, data, Scope("", None))
    except StatesError as err:
        execution.status = ExecutionStatus.FAILED
        execution.error, execution.cause = err.error, err.cause
        failed = [e for e in run.history if e.status == "FAILED"]
        execution.failed_state = failed[-1].state if failed else None
    except _ExecutionTimedOut:
        execution.status = ExecutionStatus.TIMED_OUT
        execution.error = TIMEOUT
    execution.stopped = time.time()
    return execution
