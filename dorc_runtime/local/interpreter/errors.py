"""Step Functions errors as they travel through a run, and how Retry/Catch match them."""

from __future__ import annotations

from collections.abc import Sequence

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
RUNTIME = "States.Runtime"
DATA_LIMIT = "States.DataLimitExceeded"
BRANCH_FAILED = "States.BranchFailed"


class StatesError(Exception):
    """An error inside the state machine (a handler's exception, a timeout, a Fail state...)."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class HandlerTimeout(BaseException):
    """Raised inside a handler that overran its TimeoutSeconds. A BaseException so that a
    handler's ``except Exception`` cannot swallow it."""


def matches(error_equals: Sequence[str], error: str) -> bool:
    """Does a Retrier's or Catcher's ``ErrorEquals`` match ``error``? AWS's rules
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html): States.Runtime
    is never retried or caught, even when named; States.DataLimitExceeded only when named;
    States.TaskFailed matches every other error except States.Timeout."""
    if error == RUNTIME:
        return False
    if error in error_equals:
        return True
    if error == DATA_LIMIT:
        return False
    if ALL in error_equals:
        return True
    return TASK_FAILED in error_equals and error != TIMEOUT
