"""`invoke redrive`: Step Functions' RedriveExecution for a deployed pipeline.

moto does not implement RedriveExecution, so these tests use botocore's Stubber: a real boto3
client whose requests and canned responses are checked against the real Step Functions service
model. AWS's rules (Standard only; FAILED, TIMED_OUT or ABORTED; within 14 days of the stop;
redriveStatus): https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from invoke import MockContext
from invoke.exceptions import Exit
from operate_helpers import ACCOUNT, REGION
from rich.console import Console

from dorc_runtime.deploy import iam
from dorc_runtime.errors import AwsError, ExecutionFailed
from dorc_runtime.operate import AwsClients, OperateSeams, run_redrive
from dorc_runtime.tasks import operate as operate_tasks

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:census-demo-prod-raw-census"
EXECUTION = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:census-demo-prod-raw-census"


def listed(name: str, status: str, stopped: datetime) -> dict:
    return {
        "executionArn": f"{EXECUTION}:{name}",
        "stateMachineArn": MACHINE,
        "name": name,
        "status": status,
        "startDate": stopped - timedelta(minutes=10),
        "stopDate": stopped,
    }


def described(name: str, status: str, stopped: datetime | None, **extra) -> dict:
    data = {
        "executionArn": f"{EXECUTION}:{name}",
        "stateMachineArn": MACHINE,
        "name": name,
        "status": status,
        "startDate": (stopped or NOW) - timedelta(minutes=10),
        **extra,
    }
    if stopped is not None:
        data["stopDate"] = stopped
    return data


@pytest.fixture
def aws(aws_env):
    """Stubbed Step Functions and STS clients; every queued response must be used."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    sts = boto3.client("sts", region_name=REGION)
    with Stubber(sfn) as sfn_stub, Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "get_caller_identity",
            {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ops", "UserId": "AIDAEXAMPLE"},
        )
        yield sfn_stub, AwsClients(sfn, boto3.client("logs", region_name=REGION), sts)
        sfn_stub.assert_no_pending_responses()
        sts_stub.assert_no_pending_responses()


@pytest.fixture
def seams(aws):
    _, clients = aws
    return OperateSeams(
        Console(record=True, width=200),
        clients=lambda region: clients,
        now=lambda: NOW,
        sleep=lambda seconds: None,
        poll_seconds=0.0,
    )


def test_the_latest_unsuccessful_execution_is_redriven(aws, target, seams) -> None:
    stub, _ = aws
    # the newest stop among FAILED, TIMED_OUT and ABORTED wins
    for status, found in (
        ("FAILED", [listed("older", "FAILED", NOW - timedelta(days=2))]),
        ("TIMED_OUT", []),
        ("ABORTED", [listed("newest", "ABORTED", NOW - timedelta(hours=1))]),
    ):
        stub.add_response(
            "list_executions",
            {"executions": found},
            {"stateMachineArn": MACHINE, "statusFilter": status, "maxResults": 1},
        )
    stub.add_response(
        "describe_execution",
        described("newest", "ABORTED", NOW - timedelta(hours=1), redriveStatus="REDRIVABLE"),
        {"executionArn": f"{EXECUTION}:newest"},
    )
    stub.add_response("redrive_execution", {"redriveDate": NOW}, {"executionArn": f"{EXECUTION}:newest"})

    summary = run_redrive(target, seams)

    assert summary.name == "newest"
    assert (
        "Redriving newest on census-demo-prod-raw-census from where it aborted" in seams.console.export_text()
    )


def test_a_named_execution_is_redriven_and_followed_from_the_failed_state(aws, target, seams) -> None:
    stub, _ = aws
    arn = f"{EXECUTION}:run-7"
    failed = described(
        "run-7", "FAILED", NOW - timedelta(hours=3), error="States.TaskFailed", cause="timeout"
    )
    stub.add_response("describe_execution", failed, {"executionArn": arn})
    stub.add_response(
        "get_execution_history",
        {"events": [{"id": 9, "type": "ExecutionFailed", "timestamp": NOW - timedelta(hours=3)}]},
        {"executionArn": arn, "maxResults": 1, "reverseOrder": True},
    )
    stub.add_response("redrive_execution", {"redriveDate": NOW}, {"executionArn": arn})
    earlier = [
        {"id": 1, "type": "ExecutionStarted", "timestamp": NOW},
        {
            "id": 2,
            "type": "TaskStateEntered",
            "timestamp": NOW,
            "stateEnteredEventDetails": {"name": "fetch"},
        },
        {"id": 5, "type": "TaskStateExited", "timestamp": NOW, "stateExitedEventDetails": {"name": "fetch"}},
        {
            "id": 6,
            "type": "TaskStateEntered",
            "timestamp": NOW,
            "stateEnteredEventDetails": {"name": "clean"},
        },
        {"id": 9, "type": "ExecutionFailed", "timestamp": NOW},
    ]
    redriven = [
        {
            "id": 10,
            "type": "ExecutionRedriven",
            "timestamp": NOW,
            "executionRedrivenEventDetails": {"redriveCount": 1},
        },
        {
            "id": 11,
            "type": "TaskStateEntered",
            "timestamp": NOW,
            "stateEnteredEventDetails": {"name": "clean"},
        },
        {"id": 14, "type": "TaskStateExited", "timestamp": NOW, "stateExitedEventDetails": {"name": "clean"}},
        {"id": 15, "type": "ExecutionSucceeded", "timestamp": NOW},
    ]
    stub.add_response("describe_execution", described("run-7", "RUNNING", None), {"executionArn": arn})
    stub.add_response(
        "get_execution_history", {"events": earlier + redriven[:2]}, {"executionArn": arn, "maxResults": 1000}
    )
    stub.add_response("describe_execution", described("run-7", "SUCCEEDED", NOW), {"executionArn": arn})
    stub.add_response(
        "get_execution_history", {"events": earlier + redriven}, {"executionArn": arn, "maxResults": 1000}
    )

    summary = run_redrive(target, seams, execution="run-7", wait=True)

    assert summary.status == "SUCCEEDED"
    lines = [
        line.split()[:3]
        for line in seams.console.export_text().splitlines()
        if line.startswith("  ") and "arn:" not in line
    ]
    # 'fetch' succeeded before the failure and is not run (or shown) again
    assert lines == [["…", "clean", "entered"], ["✓", "clean", "succeeded"]]


def test_a_redriven_execution_that_fails_again_fails_the_command(aws, target, seams) -> None:
    stub, _ = aws
    arn = f"{EXECUTION}:run-8"
    stub.add_response(
        "describe_execution", described("run-8", "TIMED_OUT", NOW - timedelta(days=13)), {"executionArn": arn}
    )
    stub.add_response(
        "get_execution_history", {"events": []}, {"executionArn": arn, "maxResults": 1, "reverseOrder": True}
    )
    stub.add_response("redrive_execution", {"redriveDate": NOW}, {"executionArn": arn})
    stub.add_response(
        "describe_execution",
        described("run-8", "FAILED", NOW, error="ValueError", cause="bad row"),
        {"executionArn": arn},
    )
    stub.add_response("get_execution_history", {"events": []}, {"executionArn": arn, "maxResults": 1000})

    with pytest.raises(ExecutionFailed, match="Execution run-8 ended FAILED: ValueError — bad row") as error:
        run_redrive(target, seams, execution="run-8", wait=True)
    assert "invoke redrive census --layer raw --env prod" in error.value.fix


@pytest.mark.parametrize(
    ("data", "message", "fix"),
    [
        (
            described("ok", "SUCCEEDED", NOW - timedelta(hours=1)),
            "Execution ok succeeded; only failed, timed-out or aborted executions can be redriven.",
            "start a new execution: 'invoke start census --layer raw --env prod'",
        ),
        (
            described("ok", "RUNNING", None),
            "Execution ok is RUNNING; it can be redriven once it has failed, timed out or been aborted.",
            "follow it with 'invoke executions census --layer raw --env prod', or stop it first",
        ),
        (
            described("ok", "FAILED", NOW - timedelta(days=14, minutes=1)),
            "Execution ok stopped on 2026-03-16 11:59 UTC, more than 14 days ago; "
            "AWS redrives executions only within 14 days of their stop.",
            "start a new execution with its input: 'invoke start census --layer raw --env prod' --event @input.json",
        ),
        (
            described(
                "ok",
                "FAILED",
                NOW - timedelta(days=1),
                redriveStatus="NOT_REDRIVABLE",
                redriveStatusReason="Execution history event count exceeds 24999",
            ),
            "Execution ok cannot be redriven: Execution history event count exceeds 24999.",
            "start a new execution: 'invoke start census --layer raw --env prod'",
        ),
    ],
    ids=["succeeded", "running", "too-old", "not-redrivable"],
)
def test_executions_aws_would_not_redrive_are_refused_before_the_call(
    aws, target, seams, data, message, fix
) -> None:
    stub, _ = aws
    stub.add_response("describe_execution", data, {"executionArn": f"{EXECUTION}:ok"})

    with pytest.raises(AwsError) as error:
        run_redrive(target, seams, execution="ok")

    assert (error.value.message, error.value.fix) == (message, fix)


def test_no_unsuccessful_execution_is_a_clear_error(aws, target, seams) -> None:
    stub, _ = aws
    for _status in ("FAILED", "TIMED_OUT", "ABORTED"):
        stub.add_response("list_executions", {"executions": []})

    with pytest.raises(
        AwsError, match="census-demo-prod-raw-census has no failed, timed-out or aborted execution"
    ):
        run_redrive(target, seams)


def test_an_unknown_execution_name(aws, target, seams) -> None:
    stub, _ = aws
    stub.add_client_error("describe_execution", "ExecutionDoesNotExist", "Execution Does Not Exist")

    with pytest.raises(AwsError, match="census-demo-prod-raw-census has no execution named 'nope'"):
        run_redrive(target, seams, execution="nope")


def test_the_api_refusing_is_one_line(aws, target, seams) -> None:
    stub, _ = aws
    arn = f"{EXECUTION}:run-9"
    stub.add_response(
        "describe_execution", described("run-9", "FAILED", NOW - timedelta(hours=1)), {"executionArn": arn}
    )
    stub.add_client_error("redrive_execution", "ExecutionNotRedrivable", "Execution can not be redriven")

    with pytest.raises(
        AwsError,
        match="Could not redrive execution run-9: ExecutionNotRedrivable: Execution can not be redriven",
    ):
        run_redrive(target, seams, execution="run-9")


def test_express_pipelines_are_refused_without_calling_aws(project, monkeypatch) -> None:
    main = project.root / "src/raw/census/__main__.py"
    main.write_text(main.read_text().replace("functions=[", 'type="EXPRESS", functions=['))
    monkeypatch.chdir(project.root)

    with pytest.raises(Exit) as error:
        operate_tasks.redrive(MockContext(), "census", env="prod")

    assert str(error.value.message) == (
        "Error: Pipeline raw/census is an Express workflow; AWS redrives Standard executions only. "
        "Fix: start a new execution: 'invoke start census --layer raw --env prod' (or make the pipeline type='STANDARD')"
    )


def test_the_state_machine_role_needs_nothing_more_to_be_redriven() -> None:
    """A redriven Standard execution re-runs its failed Lambda tasks (and inline Map iterations and
    Parallel branches) with the same role; only Distributed Map runs need states:RedriveExecution
    (redrive docs above), and dorc builds inline Maps. Pinned: what the role holds."""
    fn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:census-demo-prod-raw-census-clean"
    assert iam.state_machine_policy([fn]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeOwnFunctions",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [fn, f"{fn}:*"],
            },
            {
                "Sid": "DeliverLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:DescribeLogGroups",
                    "logs:DescribeResourcePolicies",
                    "logs:GetLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:UpdateLogDelivery",
                ],
                "Resource": "*",
            },
        ],
    }


def entered(event_id: int, kind: str, name: str) -> dict:
    return {
        "id": event_id,
        "type": f"{kind}StateEntered",
        "timestamp": NOW,
        "stateEnteredEventDetails": {"name": name},
    }


def exited(event_id: int, kind: str, name: str) -> dict:
    return {
        "id": event_id,
        "type": f"{kind}StateExited",
        "timestamp": NOW,
        "stateExitedEventDetails": {"name": name},
    }


@pytest.mark.parametrize("kind", ["Map", "Parallel"])
def test_a_map_or_parallel_failure_is_followed_from_the_redrive_only(aws, target, seams, kind: str) -> None:
    """AWS re-runs only the failed Map iterations or Parallel branches; --wait shows only what runs
    after the redrive (event types are checked against the service model by the Stubber)."""
    stub, _ = aws
    arn = f"{EXECUTION}:run-m"
    failed = described("run-m", "FAILED", NOW - timedelta(hours=1), error="States.TaskFailed")
    original = [
        {"id": 1, "type": "ExecutionStarted", "timestamp": NOW},
        entered(2, kind, "fan"),
        entered(3, "Task", "good"),
        exited(4, "Task", "good"),
        entered(5, "Task", "flaky"),
        {
            "id": 6,
            "type": "TaskFailed",
            "timestamp": NOW,
            "taskFailedEventDetails": {"resourceType": "lambda", "resource": "invoke", "error": "Timeout"},
        },
        {"id": 7, "type": f"{kind}StateFailed", "timestamp": NOW},
        {"id": 8, "type": "ExecutionFailed", "timestamp": NOW},
    ]
    redriven = [
        {"id": 9, "type": "ExecutionRedriven", "timestamp": NOW},
        entered(10, "Task", "flaky"),
        exited(11, "Task", "flaky"),
        exited(12, kind, "fan"),
        {"id": 13, "type": "ExecutionSucceeded", "timestamp": NOW},
    ]
    stub.add_response("describe_execution", failed, {"executionArn": arn})
    stub.add_response(
        "get_execution_history",
        {"events": original[-1:]},
        {"executionArn": arn, "maxResults": 1, "reverseOrder": True},
    )
    stub.add_response("redrive_execution", {"redriveDate": NOW}, {"executionArn": arn})
    stub.add_response("describe_execution", described("run-m", "SUCCEEDED", NOW), {"executionArn": arn})
    stub.add_response(
        "get_execution_history", {"events": original + redriven}, {"executionArn": arn, "maxResults": 1000}
    )

    run_redrive(target, seams, execution="run-m", wait=True)

    lines = [
        line.split()[:3]
        for line in seams.console.export_text().splitlines()
        if line.startswith("  ") and "arn:" not in line
    ]
    assert lines == [["…", "flaky", "entered"], ["✓", "flaky", "succeeded"], ["✓", "fan", "succeeded"]]
