"""Call one loaded handler the way Lambda would: its context, its import view and environment,
its output captured, and its result checked as Lambda and Step Functions check it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import capture
from .context import LambdaContext
from .handlers import FunctionGate, IsolatedFunction

# Step Functions refuses a state's input or output larger than this (UTF-8 bytes).
PAYLOAD_LIMIT_BYTES = 256 * 1024


def lambda_error(name: str) -> type[Exception]:
    """An exception class named as AWS names the error (``Runtime.MarshalError``): the interpreter
    reports a handler's exception class name as the error, so the name must be AWS's own."""
    return type(name, (Exception,), {"__module__": __name__})


MarshalError = lambda_error("Runtime.MarshalError")
DataLimitExceeded = lambda_error("States.DataLimitExceeded")
SandboxTimedout = lambda_error("Sandbox.Timedout")


@dataclass(frozen=True)
class FunctionSpec:
    """What Lambda knows about a function: its name, ARN, memory and timeout."""

    name: str
    physical_name: str
    arn: str
    memory_mb: int
    timeout_seconds: float
    log_group: str


@dataclass
class Invocation:
    """One call of a handler, as reported to whoever shows the run."""

    function: str
    request_id: str
    started: float
    duration: float = 0.0
    lines: list[str] = field(default_factory=list)
    error: str | None = None
    cause: str | None = None


Recorder = Callable[[Invocation], None]


class LocalFunction:
    """A ``(event, context)`` callable for the interpreter: the real handler, run as Lambda runs it."""

    def __init__(
        self,
        spec: FunctionSpec,
        isolated: IsolatedFunction,
        gate: FunctionGate,
        recorder: Recorder | None = None,
        enforce_timeout: bool = False,
    ) -> None:
        self.spec = spec
        self.isolated = isolated
        self.gate = gate
        self.recorder = recorder
        self.enforce_timeout = enforce_timeout

    def context(self) -> LambdaContext:
        spec = self.spec
        return LambdaContext(
            function_name=spec.physical_name,
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=str(spec.memory_mb),
            log_group_name=spec.log_group,
            timeout_seconds=spec.timeout_seconds,
        )

    def __call__(self, event: Any, context: Any = None) -> Any:
        ctx = self.context()
        record = Invocation(self.spec.name, ctx.aws_request_id, time.time())
        handler = self.isolated.handler
        assert handler is not None, "load the handler before calling it"
        started = time.perf_counter()
        try:
            with self.gate.entered(self.isolated), capture.capturing() as lines:
                try:
                    if self.enforce_timeout:
                        result = _with_timeout(handler, event, ctx, self.spec.timeout_seconds)
                    else:
                        result = handler(event, ctx)
                finally:
                    record.lines = lines
            return check_result(result)
        except Exception as exc:
            record.error, record.cause = type(exc).__name__, str(exc)
            raise
        finally:
            record.duration = time.perf_counter() - started
            if self.recorder is not None:
                self.recorder(record)


def check_result(result: Any) -> Any:
    """What Lambda's runtime and Step Functions do with a returned value: serialise it as JSON
    (else ``Runtime.MarshalError``) and refuse more than 256 KB (``States.DataLimitExceeded``).
    The value handed on is the JSON round-trip, so a tuple becomes a list exactly as in AWS."""
    try:
        text = json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise MarshalError(f"Unable to marshal response: {exc}") from None
    size = len(text.encode("utf-8"))
    if size > PAYLOAD_LIMIT_BYTES:
        raise DataLimitExceeded(
            f"The state/task returned a result with a size exceeding the maximum number of bytes "
            f"service limit ({size} > {PAYLOAD_LIMIT_BYTES} bytes); write large data to the holding "
            "store and return its key"
        )
    return json.loads(text)


def _with_timeout(handler: Callable[[Any, Any], Any], event: Any, ctx: LambdaContext, timeout: float) -> Any:
    """Run the handler in a daemon thread and stop waiting at the function's timeout (a thread cannot
    be killed; the process ends after the run, as Lambda ends the sandbox)."""
    outcome: dict[str, Any] = {}
    chunks = capture.current_chunks()

    def target() -> None:
        with capture.capturing_into(chunks):
            try:
                outcome["result"] = handler(event, ctx)
            except BaseException as exc:  # handed back to the caller's thread
                outcome["error"] = exc

    worker = threading.Thread(target=target, name=f"handler-{ctx.function_name}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise SandboxTimedout(f"Task timed out after {timeout:.2f} seconds")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
