"""A function's CloudWatch logs since a moment: ``--since 30m|1h|2d`` and paged filter_log_events."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import DorcError
from .aws import aws_errors
from .target import DeployedPipeline

SINCE_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    match = SINCE_PATTERN.match(text or "")
    if not match:
        raise DorcError(f"--since {text!r} is not a duration.", "use a number and a unit: 30m, 1h, 2d, 1w")
    amount, unit = match.groups()
    return timedelta(**{UNITS[unit]: int(amount)})


@dataclass(frozen=True)
class LogLine:
    at: datetime
    stream: str
    message: str


def fetch(logs: Any, target: DeployedPipeline, function: str, since: datetime) -> Iterator[LogLine]:
    group = target.log_group(function)
    not_found = (
        f"There are no logs for {function} in {target.environment} yet (no log group {group}).",
        f"run the pipeline ('invoke start {target.pipeline} --layer {target.layer} --env {target.environment}'),"
        " or deploy it first",
    )
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"logGroupName": group, "startTime": int(since.timestamp() * 1000)}
        if token:
            kwargs["nextToken"] = token
        with aws_errors(f"read {group}", not_found=not_found):
            page = logs.filter_log_events(**kwargs)
        for event in page.get("events", []):
            yield LogLine(
                datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC),
                event.get("logStreamName", ""),
                event.get("message", "").rstrip("\n"),
            )
        token = page.get("nextToken")
        if not token:
            return
