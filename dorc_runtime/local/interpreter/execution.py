"""What a local run returns: the outcome and a history of what each state did."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ExecutionStatus(str, Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"


@dataclass(slots=True)
class HistoryEvent:
    """One state run (one attempt, for a Task). ``scope`` says where: ``""`` is the top level,
    ``"split.parallel[1]"`` a Parallel branch, ``"fanout[17]"`` a Map iteration."""

    state: str
    type: str
    input: Any
    output: Any
    started: float  # time.time() seconds
    ended: float
    attempt: int = 0
    status: str = "SUCCEEDED"  # SUCCEEDED | FAILED | CAUGHT | RETRYING
    error: str | None = None
    cause: str | None = None
    scope: str = ""
    request_id: str | None = None  # a Task attempt's Lambda request: ties it to what the handler printed

    @property
    def duration(self) -> float:
        return self.ended - self.started

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "type": self.type,
            "input": self.input,
            "output": self.output,
            "started": self.started,
            "ended": self.ended,
            "attempt": self.attempt,
            "status": self.status,
            "error": self.error,
            "cause": self.cause,
            "scope": self.scope,
        }


@dataclass
class Execution:
    status: ExecutionStatus
    output: Any = None
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    started: float = 0.0
    stopped: float = 0.0
    arn: str = ""
    input: Any = None

    @property
    def succeeded(self) -> bool:
        return self.status is ExecutionStatus.SUCCEEDED

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
            "failed_state": self.failed_state,
            "history": [event.as_dict() for event in self.history],
        }
