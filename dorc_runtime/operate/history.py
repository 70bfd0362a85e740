"""Step Functions execution history -> what each state did (pure).

Every ``*StateEntered`` / ``*StateExited`` event names its state; failures (Lambda, task, the
execution itself) carry ``error`` and ``cause`` in their ``...EventDetails``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")
RETRY_TYPES = frozenset({"LambdaFunctionScheduled", "TaskScheduled"})


class StepStatus(str, Enum):
    ENTERED = "entered"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRYING = "retrying"


@dataclass(frozen=True)
class StateProgress:
    state: str
    status: StepStatus
    at: datetime | None
    duration: float | None = None
    attempt: int = 1
    error: str | None = None
    cause: str | None = None


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            return value
    return {}


@dataclass
class HistoryReader:
    """Feed events in order (across polls); get a line of progress for each meaningful one."""

    _entered: dict[str, datetime | None] = field(default_factory=dict)
    _attempts: dict[str, int] = field(default_factory=dict)
    _current: list[str] = field(default_factory=list)

    def read(self, events: Iterable[Mapping[str, Any]]) -> list[StateProgress]:
        out: list[StateProgress] = []
        for event in events:
            step = self._one(event)
            if step is not None:
                out.append(step)
        return out

    def _one(self, event: Mapping[str, Any]) -> StateProgress | None:
        kind = str(event.get("type", ""))
        at = event.get("timestamp")
        details = _details(event)
        if kind.endswith("StateEntered"):
            name = str(details.get("name", "?"))
            self._entered[name] = at
            self._attempts[name] = 0
            self._current.append(name)
            return StateProgress(name, StepStatus.ENTERED, at)
        if kind.endswith("StateExited"):
            name = str(details.get("name", "?"))
            if name in self._current:
                self._current.remove(name)
            return StateProgress(
                name,
                StepStatus.SUCCEEDED,
                at,
                _seconds(self._entered.get(name), at),
                self._attempts.get(name) or 1,
            )
        current = self._current[-1] if self._current else None
        if kind in RETRY_TYPES and current is not None:
            self._attempts[current] = self._attempts.get(current, 0) + 1
            if self._attempts[current] > 1:
                return StateProgress(current, StepStatus.RETRYING, at, attempt=self._attempts[current])
            return None
        if kind.endswith(FAILURE_SUFFIXES):
            name = current or kind.removesuffix("Failed").removesuffix("TimedOut").removesuffix("Aborted")
            return StateProgress(
                name,
                StepStatus.FAILED,
                at,
                _seconds(self._entered.get(name), at),
                self._attempts.get(name) or 1,
                error=details.get("error") or kind,
                cause=details.get("cause"),
            )
        return None


def _seconds(start: Any, end: Any) -> float | None:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return (end - start).total_seconds()
    return None
