"""A run record + its definition -> what a report shows (pure): each state's outcome in words,
its attempts with input, output, error and logs, the branches/items of every Parallel and Map,
a timeline and a summary."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import DorcError
from ..local.console import lambda_cause
from ..runs import cost
from ..runs.resume import states_by_name

# outcome -> (words shown with the colour, fill): a status is never told by colour alone
OUTCOMES: dict[str, tuple[str, str]] = {
    "succeeded": ("✓ succeeded", "#d3f2dc"),
    "failed": ("✗ failed", "#f9d0d0"),
    "caught": ("⚠ caught", "#ffe2b8"),
    "retried": ("↻ retried", "#fff2b3"),
    "running": ("… running", "#cfe3ff"),
    "reused": ("↺ reused from parent run", "#e3e8ef"),
    "not-reached": ("– not reached", "#f4f4f4"),
}
_BY_STATUS = {"SUCCEEDED": "succeeded", "FAILED": "failed", "CAUGHT": "caught", "RETRYING": "retried"}
MAX_TEXT = 20_000  # characters of one payload shown in the page; the rest is behind the link
MAX_ATTEMPTS_PER_STATE = 200
MAX_TIMELINE_ROWS = 300

Link = Callable[[str], str]  # a payload file (relative to the run folder) -> its href


def outcome_of(statuses: set[str]) -> str:
    for status in ("FAILED", "CAUGHT", "RETRYING", "SUCCEEDED"):
        if status in statuses:
            return _BY_STATUS[status]
    return "not-reached"


def payload_view(ref: Mapping[str, Any] | None, link: Link | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    if "value" in ref:
        text = json.dumps(ref["value"], indent=2, ensure_ascii=False, default=str)
        truncated = len(text) > MAX_TEXT
        return {"text": text[:MAX_TEXT], "truncated": truncated, "href": None}
    href = link(ref["file"]) if link and "file" in ref else None
    return {"text": ref.get("preview", ""), "truncated": True, "href": href, "bytes": ref.get("bytes")}


@dataclass
class Part:
    """One Parallel branch or Map iteration."""

    index: int
    outcome: str
    duration_ms: float
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunView:
    record: Mapping[str, Any]
    definition: Mapping[str, Any]
    states: dict[str, dict[str, Any]]  # state -> {type, outcome, label, attempts}
    parts: dict[str, list[Part]]  # Parallel/Map state -> its branches/items
    timeline: list[dict[str, Any]]
    summary: dict[str, Any]
    link: Link | None = None

    def outcome(self, state: str) -> str:
        return self.states.get(state, {}).get("outcome", "not-reached")


def _types(asl: Mapping[str, Any]) -> dict[str, str]:
    return {name: state.get("Type", "") for name, state in states_by_name(asl).items()}


def _attempt(event: Mapping[str, Any], t0: float, link: Link | None) -> dict[str, Any]:
    message, stack = lambda_cause(event.get("cause"))  # a Lambda error document: its message and traceback
    return {
        "scope": event["scope"], "attempt": event["attempt"], "status": event["status"],
        "outcome": _BY_STATUS.get(event["status"], "succeeded"),
        "started_ms": round((event["started"] - t0) * 1000, 1),
        "duration_ms": round((event["ended"] - event["started"]) * 1000, 1),
        "input": payload_view(event.get("input"), link), "output": payload_view(event.get("output"), link),
        "error": event.get("error"), "cause": message, "stack": stack, "lines": event.get("lines", []),
        "handler_ms": event.get("duration_ms"), "request_id": event.get("request_id"),
    }


def build_view(record: Mapping[str, Any], definition: Mapping[str, Any], link: Link | None = None) -> RunView:
    t0 = record.get("started") or 0.0
    types = _types(definition)
    events = record.get("events", [])
    by_state: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for event in events:
        by_state[event["state"]].append(event)
    running = {r["state"] for r in record.get("running", {}).values()}
    reused = set(record.get("reused_states", []))
    states: dict[str, dict[str, Any]] = {}
    for name in {**types, **{s: "" for s in by_state}}:
        runs = by_state.get(name, [])
        outcome = "running" if name in running else outcome_of({e["status"] for e in runs})
        if outcome == "not-reached" and name in reused:
            outcome = "reused"
        attempts = [_attempt(e, t0, link) for e in runs[:MAX_ATTEMPTS_PER_STATE]]
        states[name] = {"name": name, "type": types.get(name) or (runs[0]["type"] if runs else ""),
                        "outcome": outcome, "label": OUTCOMES[outcome][0], "attempts": attempts,
                        "more_attempts": max(0, len(runs) - MAX_ATTEMPTS_PER_STATE),
                        "in_definition": name in types}
    parts = _parts(record, types, t0, link)
    timeline = [
        {"state": e["state"], "scope": e["scope"], "status": e["status"],
         "outcome": _BY_STATUS.get(e["status"], "succeeded"),
         "start_ms": (e["started"] - t0) * 1000, "duration_ms": (e["ended"] - e["started"]) * 1000}
        for e in sorted(events, key=lambda e: e["started"])[:MAX_TIMELINE_ROWS]
    ]
    return RunView(record, definition, states, parts, timeline, _summary(record, events), link)


def _parts(record: Mapping[str, Any], types: Mapping[str, str], t0: float, link: Link | None) -> dict[str, list[Part]]:
    grouped: dict[str, dict[int, list[Mapping[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for event in record.get("events", []):
        scope = event["scope"]
        if scope.endswith("]") and "[" in scope:
            owner, index = scope[:-1].rsplit("[", 1)
            if owner in types and index.isdigit():
                grouped[owner][int(index)].append(event)
    out: dict[str, list[Part]] = {}
    for owner in [s for s, t in types.items() if t in ("Map", "Parallel")]:
        parts = []
        for index, runs in sorted(grouped.get(owner, {}).items()):
            statuses = {e["status"] for e in runs}
            final = runs[-1]["status"]
            outcome = "failed" if final == "FAILED" or ("FAILED" in statuses and final != "SUCCEEDED") \
                else outcome_of(statuses)
            took = (max(e["ended"] for e in runs) - min(e["started"] for e in runs)) * 1000
            parts.append(Part(index, outcome, took, [_attempt(e, t0, link) | {"state": e["state"]} for e in runs]))
        for index in record.get("reused_parts", {}).get(owner, []):
            if index not in grouped.get(owner, {}):
                parts.append(Part(index, "reused", 0.0))
        out[owner] = sorted(parts, key=lambda p: p.index)
    return out


def _summary(record: Mapping[str, Any], events: list[Mapping[str, Any]]) -> dict[str, Any]:
    stopped = record.get("stopped")
    summary: dict[str, Any] = {
        "status": record["status"],
        "duration_s": None if stopped is None or record.get("started") is None else stopped - record["started"],
        "transitions": len(events) + record.get("events_dropped", 0),
        "retries": sum(1 for e in events if e["status"] == "RETRYING"),
        "invocations": len(record.get("invocations", [])),
        "cost": None, "monthly": [],
    }
    try:
        estimate = cost.of_record(record) if record.get("region") else None
    except DorcError:  # a region without prices: no cost shown
        estimate = None
    if estimate is not None:
        summary["cost"] = estimate
        for expression in record.get("triggers", []):
            runs = cost.runs_per_month(expression)
            summary["monthly"].append((expression, runs, cost.monthly(estimate, runs)))
    return summary
