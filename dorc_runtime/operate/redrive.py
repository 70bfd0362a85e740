"""Redrive a failed execution of a deployed pipeline: AWS restarts it from the failed state.

Step Functions' RedriveExecution (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)
continues an unsuccessful Standard execution from where it failed, with the same input and the
same execution ARN, without re-running the states that succeeded; in a Map or Parallel state
only the failed iterations and branches run again. It refuses Express workflows, executions that
succeeded or are still running, and executions that stopped more than 14 days ago. dorc checks
each of these first, so the refusal names the rule and the fix instead of an API error code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..errors import AwsError
from ..naming import execution_arn
from .aws import aws_errors
from .executions import ExecutionSummary
from .target import DeployedPipeline

REDRIVABLE_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
REDRIVE_WINDOW = timedelta(days=14)
NOT_REDRIVABLE = "NOT_REDRIVABLE"


def executions_hint(target: DeployedPipeline) -> str:
    return f"'invoke executions {target.pipeline} --layer {target.layer} --env {target.environment}'"


def start_hint(target: DeployedPipeline) -> str:
    return f"'invoke start {target.pipeline} --layer {target.layer} --env {target.environment}'"


def refuse_express(target: DeployedPipeline) -> None:
    raise AwsError(
        f"Pipeline {target.layer}/{target.pipeline} is an Express workflow; AWS redrives Standard executions only.",
        f"start a new execution: {start_hint(target)} (or make the pipeline type='STANDARD')",
    )


def latest_unsuccessful(sfn: Any, target: DeployedPipeline, account: str) -> str:
    """The ARN of the most recently stopped FAILED, TIMED_OUT or ABORTED execution."""
    newest: dict[str, Any] | None = None
    with aws_errors(f"list executions of {target.state_machine_name}", not_found=target.not_deployed()):
        for status in REDRIVABLE_STATUSES:
            page = sfn.list_executions(
                stateMachineArn=target.state_machine_arn(account), statusFilter=status, maxResults=1
            )
            for item in page.get("executions", []):
                if newest is None or (item.get("stopDate") or item["startDate"]) > (
                    newest.get("stopDate") or newest["startDate"]
                ):
                    newest = item
    if newest is None:
        raise AwsError(
            f"{target.state_machine_name} has no failed, timed-out or aborted execution to redrive.",
            f"see its executions: {executions_hint(target)}",
        )
    return str(newest["executionArn"])


def describe_for_redrive(sfn: Any, target: DeployedPipeline, arn: str) -> dict[str, Any]:
    name = arn.rsplit(":", 1)[-1]
    missing = (
        f"{target.state_machine_name} has no execution named {name!r}.",
        f"pick one from {executions_hint(target)}",
    )
    with aws_errors(f"describe execution {name}", not_found=missing):
        return dict(sfn.describe_execution(executionArn=arn))


def check_redrivable(data: dict[str, Any], target: DeployedPipeline, now: datetime) -> ExecutionSummary:
    """The execution, if AWS would redrive it; else the rule it breaks and what to do instead."""
    summary = ExecutionSummary.from_api(data)
    if summary.status == "SUCCEEDED":
        raise AwsError(
            f"Execution {summary.name} succeeded; only failed, timed-out or aborted executions can be redriven.",
            f"start a new execution: {start_hint(target)}",
        )
    if summary.status not in REDRIVABLE_STATUSES:
        raise AwsError(
            f"Execution {summary.name} is {summary.status}; it can be redriven once it has failed, timed out or been aborted.",
            f"follow it with {executions_hint(target)}, or stop it first",
        )
    if summary.stopped is not None and now - summary.stopped > REDRIVE_WINDOW:
        raise AwsError(
            f"Execution {summary.name} stopped on {summary.stopped:%Y-%m-%d %H:%M} UTC, more than 14 days ago; "
            "AWS redrives executions only within 14 days of their stop.",
            f"start a new execution with its input: {start_hint(target)} --event @input.json",
        )
    if data.get("redriveStatus") == NOT_REDRIVABLE:
        reason = data.get("redriveStatusReason") or "AWS reports it as not redrivable"
        raise AwsError(
            f"Execution {summary.name} cannot be redriven: {reason}.",
            f"start a new execution: {start_hint(target)}",
        )
    return summary


def last_event_id(sfn: Any, arn: str) -> int:
    """The id of the execution's last history event: what follows it is the redrive."""
    with aws_errors(f"read the history of {arn}"):
        page = sfn.get_execution_history(executionArn=arn, maxResults=1, reverseOrder=True)
    events = page.get("events", [])
    return int(events[0]["id"]) if events else 0


def redrive(sfn: Any, summary: ExecutionSummary) -> None:
    with aws_errors(f"redrive execution {summary.name}"):
        sfn.redrive_execution(executionArn=summary.arn)


def named_execution_arn(target: DeployedPipeline, account: str, name: str) -> str:
    return execution_arn(target.state_machine_arn(account), name)
