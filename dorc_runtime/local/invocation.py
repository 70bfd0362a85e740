"""Call one loaded handler the way Lambda would: its own context, import view and environment
variables, with what it prints and logs captured for the console.

Lambda's checks on the result (JSON, 256 KB) and the timeout belong to the interpreter, which
applies them to every Task; :func:`invoke_once` borrows them for ``invoke call``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import capture
from .context import LambdaContext
from .handlers import FunctionGate, IsolatedFunction


@dataclass(frozen=True)
class FunctionSpec:
    """What Lambda knows about a function: its names, ARN, memory and timeout."""

    name: str
    layer: str
    pipeline: str
    physical_name: str
    arn: str
    memory_mb: int
    timeout_seconds: float
    log_group: str

    def context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.physical_name,
            invoked_function_arn=self.arn,
            memory_limit_in_mb=str(self.memory_mb),
            log_group_name=self.log_group,
            timeout_seconds=self.timeout_seconds,
        )


@dataclass
class Invocation:
    """One call of a handler, as reported to whoever shows the run."""

    spec: FunctionSpec
    request_id: str
    duration: float = 0.0
    lines: list[str] = field(default_factory=list)
    error: str | None = None


Recorder = Callable[[Invocation], None]


class LocalFunction:
    """A ``(event, context)`` callable for the interpreter: the real handler, run as Lambda runs it."""

    def __init__(self, spec: FunctionSpec, isolated: IsolatedFunction, gate: FunctionGate,
                 recorder: Recorder | None = None) -> None:
        self.spec = spec
        self.isolated = isolated
        self.gate = gate
        self.recorder = recorder

    def __call__(self, event: Any, context: Any = None) -> Any:
        ctx = context if isinstance(context, LambdaContext) else self.spec.context()
        handler = self.isolated.handler
        assert handler is not None, "load the handler before calling it"
        record = Invocation(self.spec, ctx.aws_request_id)
        started = time.perf_counter()
        try:
            with self.gate.entered(self.isolated), capture.capturing() as lines:
                try:
                    return handler(event, ctx)
                except BaseException as exc:
                    record.error = type(exc).__name__
                    raise
                finally:
                    record.lines = lines
        finally:
            record.duration = time.perf_counter() - started
            if self.recorder is not None:
                self.recorder(record)
