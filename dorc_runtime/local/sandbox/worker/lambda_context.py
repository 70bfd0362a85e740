"""The Lambda context object handed to a locally run handler.

Attributes mirror the Python runtime's (``awslambdaric``) so code written for Lambda, including
aws-lambda-powertools, runs unchanged. ``memory_limit_in_mb`` is a string there (it is read from
``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``), so it is one here too.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

FUNCTION_VERSION = "$LATEST"


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    log_group_name: str
    timeout_seconds: float
    function_version: str = FUNCTION_VERSION
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_stream_name: str = ""
    client_context: object | None = None
    identity: object | None = None
    tenant_id: str | None = None
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    started_at: float = field(default=-1.0, repr=False)

    def __post_init__(self) -> None:
        if self.started_at < 0:
            self.started_at = self.clock()
        if not self.log_stream_name:
            # Lambda's format: date/[version]request-id-like instance id
            day = time.strftime("%Y/%m/%d", time.gmtime())
            self.log_stream_name = f"{day}/[{self.function_version}]{uuid.uuid4().hex}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = self.clock() - self.started_at
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


PER_INVOCATION = ("aws_request_id", "timeout_seconds", "started_at")  # what differs between invocations


def invocation_contexts(function_name: str, invoked_function_arn: str, memory_limit_in_mb: str,
                        log_group_name: str) -> Callable[[str, float], LambdaContext]:
    """A sandbox's context maker: ``(request id, timeout seconds) -> LambdaContext``, a new context
    per invocation (as Lambda's runtime makes one per invocation) sharing the sandbox's log stream.

    What every invocation shares is computed once and held by a subclass made for the sandbox;
    each context then sets only its own three fields (slots), without the dataclass's
    ``__init__`` and ``__post_init__`` (a date, a uuid) or a dict of its own: a sandbox wakes cold
    for each invocation, and building a full context cost it 15–25 µs a state
    (``benchmarks/sandboxes.py``). A handler may still set any attribute on its context."""
    template = LambdaContext(function_name=function_name, invoked_function_arn=invoked_function_arn,
                             memory_limit_in_mb=memory_limit_in_mb, log_group_name=log_group_name,
                             timeout_seconds=0)
    shared = {name: value for name, value in vars(template).items() if name not in PER_INVOCATION}
    sandbox_context = type(LambdaContext.__name__, (LambdaContext,), {
        **shared, "__slots__": PER_INVOCATION, "__module__": LambdaContext.__module__,
        "__qualname__": LambdaContext.__qualname__})
    clock, new = template.clock, object.__new__

    def make(request_id: str, timeout_seconds: float) -> LambdaContext:
        context = new(sandbox_context)
        context.aws_request_id = request_id
        context.timeout_seconds = timeout_seconds
        context.started_at = clock()
        return context

    return make
