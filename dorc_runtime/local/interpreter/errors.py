"""Step Functions errors as they travel through a run, and how Retry/Catch match them."""

from __future__ import annotations

from collections.abc import Sequence

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
RUNTIME = "States.Runtime"
DATA_LIMIT = "States.DataLimitExceeded"
NO_CHOICE = "States.NoChoiceMatched"
BRANCH_FAILED = "States.BranchFailed"

# AWS: States.ALL and States.TaskFailed do not match these terminal errors.
_TERMINAL = frozenset({RUNTIME, DATA_LIMIT})


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
    if error in error_equals:
        return True
    if error in _TERMINAL:
        return False
    if ALL in error_equals:
        return True
    return TASK_FAILED in error_equals and error != TIMEOUT
