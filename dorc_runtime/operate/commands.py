"""start / executions / logs: resolve the deployed pipeline, talk to AWS, print what happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape

from ..errors import ExecutionFailed, ProjectError, did_you_mean
from ..project import Project
from . import executions, logs, redrive, render
from .aws import AwsClients
from .target import DeployedPipeline, account_id


@dataclass
class OperateSeams:
    console: Console
    clients: Callable[[str], AwsClients] = AwsClients.for_region
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = time.sleep
    poll_seconds: float = executions.POLL_SECONDS


def run_start(
    target: DeployedPipeline, event: Any, seams: OperateSeams, wait: bool = False
) -> executions.ExecutionSummary | str:
    clients = seams.clients(target.region)
    account = account_id(clients, target.expected_account)
    name = executions.execution_name(seams.now())
    arn = executions.start_execution(clients.sfn, target, account, event, name)
    seams.console.print(
        f"Started [bold]{escape(name)}[/] on {escape(target.state_machine_name)}", highlight=False
    )
    seams.console.print(f"  {arn}", markup=False, highlight=False)
    if not wait:
        return arn
    summary = executions.follow(
        clients.sfn, arn, lambda step: render.print_step(seams.console, step), seams.sleep, seams.poll_seconds
    )
    return finished(target, name, summary, seams)


def finished(
    target: DeployedPipeline, name: str, summary: executions.ExecutionSummary, seams: OperateSeams
) -> executions.ExecutionSummary:
    """Print the final status of a followed execution; raise unless it succeeded."""
    render.print_final(seams.console, summary)
    if summary.status != executions.FINAL_OK:
        detail = (
            f": {summary.error}" + (f" — {summary.cause}" if summary.cause else "") if summary.error else ""
        )
        raise ExecutionFailed(
            f"Execution {name} ended {summary.status}{detail}.",
            f"see the function logs: 'invoke logs --function <name> --pipeline {target.pipeline} "
            f"--layer {target.layer} --env {target.environment} --since 1h', or redrive it again: "
            f"'invoke redrive {target.pipeline} --layer {target.layer} --env {target.environment}'",
        )
    return summary


def run_redrive(
    target: DeployedPipeline,
    seams: OperateSeams,
    execution: str | None = None,
    wait: bool = False,
    express: bool = False,
) -> executions.ExecutionSummary:
    """Redrive the latest unsuccessful (or the named) execution; with ``wait``, follow it."""
    if express:
        redrive.refuse_express(target)
    clients = seams.clients(target.region)
    account = account_id(clients, target.expected_account)
    if execution:
        arn = redrive.named_execution_arn(target, account, execution)
    else:
        arn = redrive.latest_unsuccessful(clients.sfn, target, account)
    summary = redrive.check_redrivable(
        redrive.describe_for_redrive(clients.sfn, target, arn), target, seams.now()
    )
    last = redrive.last_event_id(clients.sfn, arn) if wait else 0
    redrive.redrive(clients.sfn, summary)
    seams.console.print(
        f"Redriving [bold]{escape(summary.name)}[/] on {escape(target.state_machine_name)} from where it "
        f"{summary.status.lower().replace('_', ' ')}"
        + (f" ({escape(summary.error)})" if summary.error else ""),
        highlight=False,
    )
    seams.console.print(f"  {summary.arn}", markup=False, highlight=False)
    if not wait:
        return summary
    followed = executions.follow(
        clients.sfn,
        arn,
        lambda step: render.print_step(seams.console, step),
        seams.sleep,
        seams.poll_seconds,
        after_event=last,
    )
    return finished(target, summary.name, followed, seams)


def run_executions(
    target: DeployedPipeline, seams: OperateSeams, limit: int = 10
) -> list[executions.ExecutionSummary]:
    clients = seams.clients(target.region)
    found = executions.recent(clients.sfn, target, account_id(clients, target.expected_account), limit)
    title = f"{target.layer}/{target.pipeline} [{target.environment}]: last {len(found)} execution(s)"
    if found:
        seams.console.print(render.executions_table(escape(title), found))
    else:
        seams.console.print(f"{escape(title)}: none yet", highlight=False)
    return found


def check_function(project: Project, target: DeployedPipeline, function: str) -> str:
    functions = project.function_folders(target.layer, target.pipeline)
    if function not in functions:
        raise ProjectError(
            f"Pipeline {target.layer}/{target.pipeline} has no function {function!r}.{did_you_mean(function, functions)}",
            f"use one of {functions} with --function",
        )
    return function


def run_logs(target: DeployedPipeline, function: str, since: str, seams: OperateSeams) -> list[logs.LogLine]:
    start = seams.now() - logs.parse_since(since)
    clients = seams.clients(target.region)
    lines = []
    for line in logs.fetch(clients.logs, target, function, start):
        seams.console.print(render.log_line(line), markup=False, highlight=False)
        lines.append(line)
    if not lines:
        seams.console.print(
            f"No log events for {function} since {start:%Y-%m-%d %H:%M:%S} UTC.", markup=False
        )
    return lines
