"""A deployed execution's ``GetExecutionHistory`` events -> a run record in the local format, so a
report draws both the same way (pure).

Which branch or iteration a state ran in: a state inside a Parallel belongs to the branch whose
definition holds it; inside a Map, to the iteration whose ``MapIterationStarted`` event is its
nearest ancestor through ``previousEventId`` (event shapes:
https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .payloads import INLINE_BYTES, PREVIEW_CHARS

SCHEDULED = ("LambdaFunctionScheduled", "TaskScheduled")
FAILED_SUFFIXES = ("Failed", "TimedOut", "Aborted")


def _payload(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    if len(text.encode()) > INLINE_BYTES:
        return {"preview": text[:PREVIEW_CHARS], "bytes": len(text.encode())}
    try:
        return {"value": json.loads(text)}
    except ValueError:
        return {"value": text}


def _seconds(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value or 0)


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, Mapping)), {})


def containers(asl: Mapping[str, Any]) -> dict[str, tuple[str, str, int]]:
    """State -> (its Parallel or Map, that container's type, branch index) for nested states."""
    out: dict[str, tuple[str, str, int]] = {}

    def visit(scope: Mapping[str, Any], owner: tuple[str, str, int] | None) -> None:
        for name, state in scope.get("States", {}).items():
            if owner is not None:
                out[name] = owner
            for index, branch in enumerate(state.get("Branches", [])):
                visit(branch, (name, "Parallel", index))
            for key in ("ItemProcessor", "Iterator"):
                if key in state:
                    visit(state[key], (name, "Map", 0))

    visit(asl, None)
    return out


def record_from_history(events: Iterable[Mapping[str, Any]], asl: Mapping[str, Any],
                        meta: Mapping[str, Any]) -> dict[str, Any]:
    events = sorted(events, key=lambda e: int(e["id"]))
    by_id = {int(e["id"]): e for e in events}
    owners = containers(asl)
    open_states: dict[tuple[str, str], dict[str, Any]] = {}  # (scope, state) -> the attempt in progress
    out: list[dict[str, Any]] = []
    record: dict[str, Any] = {"format": 1, **meta, "status": "RUNNING", "events": out, "events_dropped": 0,
                              "running": {}, "invocations": [], "output": None, "error": None, "cause": None,
                              "failed_state": None, "stopped": None, "started": None, "input": None}

    def scope_of(event: Mapping[str, Any], state: str) -> str:
        owner = owners.get(state)
        if owner is None:
            return ""
        name, kind, index = owner
        if kind == "Parallel":
            return f"{name}[{index}]"
        seen, previous = 0, int(event.get("previousEventId", 0))
        while previous and seen < 10_000:
            ancestor = by_id.get(previous, {})
            details = ancestor.get("mapIterationStartedEventDetails")
            if details and details.get("name") == name:
                return f"{name}[{details['index']}]"
            previous, seen = int(ancestor.get("previousEventId", 0)), seen + 1
        return f"{name}[?]"

    def close(key: tuple[str, str], status: str, at: float, output: Any = None) -> None:
        attempt = open_states.pop(key) if status != "RETRYING" else dict(open_states[key])
        failure = attempt.pop("failure", None) or {}
        attempt.update(status=status, ended=at, output=output, error=failure.get("error"), cause=failure.get("cause"))
        out.append(attempt)
        if status == "RETRYING":
            open_states[key].update(attempt=attempt["attempt"] + 1, started=at, failure=None)

    entered: dict[int, tuple[str, str]] = {}  # event id of a *StateEntered -> (scope, state)
    current: list[tuple[str, str]] = []  # states entered and not exited, in order

    def owner(event: Mapping[str, Any], kind: str | None = None) -> tuple[str, str] | None:
        """The open state an event belongs to: its nearest entered ancestor (of ``kind``)."""
        previous, seen = int(event.get("previousEventId", 0)), 0
        while previous and seen < 10_000:
            key = entered.get(previous)
            if key is not None and key in open_states and kind in (None, open_states[key]["type"]):
                return key
            previous, seen = int(by_id.get(previous, {}).get("previousEventId", 0)), seen + 1
        return None

    for event in events:
        kind, at, details = str(event["type"]), _seconds(event.get("timestamp")), _details(event)
        if kind == "ExecutionStarted":
            record.update(started=at, input=_payload(details.get("input")))
        elif kind.endswith("StateEntered"):
            state = str(details["name"])
            key = (scope_of(event, state), state)
            open_states[key] = {"state": state, "type": kind.removesuffix("StateEntered"), "scope": key[0],
                                "attempt": 0, "started": at, "input": _payload(details.get("input")),
                                "lines": [], "function": None}
            entered[int(event["id"])] = key
            current.append(key)
        elif kind.endswith("StateExited"):
            key = (scope_of(event, str(details["name"])), str(details["name"]))
            if key in open_states:
                caught = open_states[key].get("failure") is not None
                close(key, "CAUGHT" if caught else "SUCCEEDED", at, _payload(details.get("output")))
                current.remove(key)
        elif kind in SCHEDULED:
            key = owner(event)
            if key is not None and open_states[key].get("failure") is not None:
                close(key, "RETRYING", at)
        elif kind.startswith("Execution") and kind.endswith(FAILED_SUFFIXES + ("Succeeded",)):
            record.update(stopped=at, status={"ExecutionSucceeded": "SUCCEEDED", "ExecutionTimedOut": "TIMED_OUT",
                                               "ExecutionAborted": "ABORTED"}.get(kind, "FAILED"))
            if kind == "ExecutionSucceeded":
                record["output"] = _payload(details.get("output"))
            record.update(error=details.get("error"), cause=details.get("cause"))
        elif kind.endswith(FAILED_SUFFIXES) and not kind.startswith("MapIteration"):
            # a Lambda/Task failure belongs to its state; a Map/Parallel failure to that container
            key = owner(event, next((t for t in ("Map", "Parallel") if kind.startswith(t)), None))
            if key is not None:
                open_states[key]["failure"] = {"error": details.get("error") or kind, "cause": details.get("cause")}
    end = record["stopped"]
    for key in list(reversed(current)):
        if key not in open_states:
            continue
        if record["status"] == "RUNNING":
            record["running"][f"{key[0]}/{key[1]}"] = {"scope": key[0], "state": key[1],
                                                       "at": open_states[key]["started"]}
            continue
        if open_states[key].get("failure") is None:
            open_states[key]["failure"] = {"error": record["error"], "cause": record["cause"]}
        close(key, "FAILED", end)
        if not record["failed_state"] and key[0] == "":
            record["failed_state"] = key[1]
    return record
