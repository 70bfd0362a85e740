"""Call a function as Lambda would: in one of its sandboxes (a worker process in its own
environment), with its context, what it printed and logged recorded for the console.

Lambda's checks on the result (JSON, 256 KB) and the Task's timeout belong to the interpreter,
which applies them to every Task; the sandbox adds what only a separate process can give: the
function's own timeout even when the handler swallows exceptions, and exits reported as
``Runtime.ExitError``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .context import LambdaContext
from .sandbox.worker.loop import MISSING_MODULE_FIELD
from .sandbox.workers import FIX_FIELD, FunctionSandboxes, LambdaFailure

# What a sandbox adds to Lambda's error document for dorc's fix line
DORC_ONLY_FIELDS = (MISSING_MODULE_FIELD, FIX_FIELD)


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
# What to tell the user about a failure's error document (e.g. which requirements file to edit)
FixFinder = Callable[[dict[str, Any]], str | None]


class LocalFunction:
    """A ``(event, context)`` callable for the interpreter: the real handler, run in its sandbox."""

    def __init__(self, spec: FunctionSpec, sandboxes: FunctionSandboxes, recorder: Recorder | None = None,
                 fix_finder: FixFinder | None = None) -> None:
        self.spec = spec
        self.sandboxes = sandboxes
        self.recorder = recorder
        self.fix_finder = fix_finder
        self.fixes: dict[str, str] = {}  # error type -> the fix of its latest occurrence

    def __call__(self, event: Any, context: Any = None) -> Any:
        return json.loads(self.invoke_json(json.dumps(event), context))

    def invoke_json(self, event_json: str, context: Any = None) -> str:
        """The result's JSON text as the sandbox made it (the interpreter passes it on without
        decoding and encoding it again); a failure raises :class:`LambdaFailure` with Lambda's
        error document."""
        request_id = getattr(context, "aws_request_id", None) or self.spec.context().aws_request_id
        record = Invocation(self.spec, request_id)
        started = time.perf_counter()
        try:
            ok, payload = self.sandboxes.invoke(request_id, event_json, self.spec.timeout_seconds, record.lines)
            if ok:
                return payload
            raise LambdaFailure(json.loads(payload))
        except LambdaFailure as failure:
            record.error = failure.error_type
            document = failure.lambda_error_document
            fix = self.fix_finder(document) if self.fix_finder else None
            if fix:
                self.fixes[failure.error_type] = fix
            for key in DORC_ONLY_FIELDS:  # the Task's cause is Lambda's document, nothing more
                document.pop(key, None)
            raise
        except BaseException as exc:  # the interpreter's own timeout, Ctrl-C: the sandbox is gone
            record.error = type(exc).__name__
            raise
        finally:
            record.duration = time.perf_counter() - started
            if self.recorder is not None:
                self.recorder(record)
