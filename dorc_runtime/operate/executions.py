"""Start, follow and list executions of a deployed pipeline's state machine."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .aws import aws_errors
from .history import HistoryReader, StateProgress
from .target import DeployedPipeline

POLL_SECONDS = 2.0
EXECUTION_NAME_MAX = 80
FINAL_OK = "SUCCEEDED"


@dataclass(frozen=True)
class ExecutionSummary:
    arn: str
    name: str
    status: str
    started: datetime | None
    stopped: datetime | None
    error: str | None = None
    cause: str | None = None

    @property
    def duration(self) -> float | None:
        if self.started is None or self.stopped is None:
            return None
        return (self.stopped - self.started).total_seconds()

    @property
    def running(self) -> bool:
        return self.status == "RUNNING"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ExecutionSummary:
        return cls(
            arn=data["executionArn"],
            name=data.get("name") or data["executionArn"].rsplit(":", 1)[-1],
            status=data["status"],
            started=data.get("startDate"),
            stopped=data.get("stopDate"),
            error=data.get("error"),
            cause=data.get("cause"),
        )


def execution_name(now: datetime, token: str | None = None) -> str:
    """A readable, unique name: ``dorc-20240131T120000Z-1a2b3c``."""
    token = token or secrets.token_hex(3)
    return f"dorc-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{token}"[:EXECUTION_NAME_MAX]


def start_execution(sfn: Any, target: DeployedPipeline, account: str, event: Any, name: str) -> str:
    with aws_errors(f"start {target.state_machine_name}", not_found=target.not_deployed()):
        response = sfn.start_execution(
            stateMachineArn=target.state_machine_arn(account), name=name, input=json.dumps(event)
        )
    return str(response["executionArn"])


def describe(sfn: Any, arn: str) -> ExecutionSummary:
    with aws_errors(f"describe execution {arn}"):
        return ExecutionSummary.from_api(sfn.describe_execution(executionArn=arn))


def _history_pages(sfn: Any, arn: str) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        with aws_errors(f"read the history of {arn}"):
            page = sfn.get_execution_history(**kwargs)
        yield from page.get("events", [])
        token = page.get("nextToken")
        if not token:
            return


def follow(
    sfn: Any,
    arn: str,
    on_progress: Callable[[StateProgress], None],
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = POLL_SECONDS,
    after_event: int = 0,
) -> ExecutionSummary:
    """Poll until the execution ends, reporting each state's progress once, in order (events up
    to ``after_event`` are skipped: a redriven execution keeps its earlier history)."""
    reader = HistoryReader()
    seen = after_event
    while True:
        summary = describe(sfn, arn)
        # history is re-read from the start each poll; event ids only grow, so skip what was shown
        events = [e for e in _history_pages(sfn, arn) if int(e.get("id", 0)) > seen]
        for step in reader.read(events):
            on_progress(step)
        if events:
            seen = max(int(e.get("id", 0)) for e in events)
        if not summary.running:
            return summary
        sleep(poll_seconds)


def recent(sfn: Any, target: DeployedPipeline, account: str, limit: int) -> list[ExecutionSummary]:
    found: list[ExecutionSummary] = []
    token: str | None = None
    with aws_errors(f"list executions of {target.state_machine_name}", not_found=target.not_deployed()):
        while len(found) < limit:
            kwargs: dict[str, Any] = {
                "stateMachineArn": target.state_machine_arn(account),
                "maxResults": min(limit - len(found), 1000),
            }
            if token:
                kwargs["nextToken"] = token
            page = sfn.list_executions(**kwargs)
            found += [ExecutionSummary.from_api(e) for e in page.get("executions", [])]
            token = page.get("nextToken")
            if not token:
                break
    return found[:limit]
