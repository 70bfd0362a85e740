"""start / executions against moto, which really runs Pass and Fail states."""

from datetime import UTC, datetime

import boto3
import pytest
from operate_helpers import ACCOUNT, FAILING, PASSING, REGION, deploy_state_machine

from dorc_runtime.errors import AwsError, ExecutionFailed, MissingToolError
from dorc_runtime.operate import run_executions, run_start
from dorc_runtime.operate.executions import execution_name


def test_names_come_from_naming_and_the_project(target):
    assert target.state_machine_name == "census-demo-prod-raw-census"
    assert target.region == REGION
    assert target.state_machine_arn(ACCOUNT) == (
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:census-demo-prod-raw-census"
    )


def test_execution_names_are_readable_and_valid():
    name = execution_name(datetime(2024, 1, 31, 12, 0, 5, tzinfo=UTC), "a1b2c3")
    assert name == "dorc-20240131T120005Z-a1b2c3"


def test_start_without_wait_returns_the_execution(moto_sfn, target, seams):
    deploy_state_machine(target.state_machine_name, PASSING)
    arn = run_start(target, {"year": 2021}, seams)
    assert arn.startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:census-demo-prod-raw-census:dorc-")
    described = boto3.client("stepfunctions", region_name=REGION).describe_execution(executionArn=arn)
    assert described["input"] == '{"year": 2021}'


def test_start_and_wait_prints_each_state_and_succeeds(moto_sfn, target, seams):
    deploy_state_machine(target.state_machine_name, PASSING)
    summary = run_start(target, {"year": 2021}, seams, wait=True)
    assert summary.status == "SUCCEEDED"
    text = seams.console.export_text()
    assert [
        line.split()[:3] for line in text.splitlines() if line.startswith("  ") and "arn:" not in line
    ] == [
        ["…", "fetch", "entered"],
        ["✓", "fetch", "succeeded"],
        ["…", "clean", "entered"],
        ["✓", "clean", "succeeded"],
    ]
    assert "SUCCEEDED dorc-" in text


def test_a_failed_execution_fails_the_command_with_error_and_cause(moto_sfn, target, seams):
    deploy_state_machine(target.state_machine_name, FAILING)
    with pytest.raises(ExecutionFailed) as error:
        run_start(target, {}, seams, wait=True)
    assert "ended FAILED: ValueError — year 1800 is too early" in error.value.message
    assert "invoke logs --function <name> --pipeline census --layer raw --env prod" in error.value.fix
    assert "✗ clean failed" in seams.console.export_text()


def test_a_pipeline_that_is_not_deployed(moto_sfn, target, seams):
    with pytest.raises(AwsError) as error:
        run_start(target, {}, seams)
    assert "not deployed to prod" in error.value.message
    assert "invoke deploy --env prod --pipeline census --layer raw" in error.value.fix


def test_credentials_for_another_account_are_refused(moto_sfn, project, seams):
    from dorc_runtime.operate import resolve

    target = resolve(project, "census", "raw", "prod", account="999999999999")
    with pytest.raises(AwsError, match="credentials are for account 123456789012"):
        run_start(target, {}, seams)


def test_no_credentials_is_one_clear_message(target, seams, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(MissingToolError) as error:
        run_start(target, {}, seams)
    assert "No AWS credentials" in error.value.message and "aws-vault" in error.value.fix


def test_executions_lists_recent_runs_with_status_and_duration(moto_sfn, target, seams):
    deploy_state_machine(target.state_machine_name, PASSING)
    for _ in range(3):
        run_start(target, {}, seams, wait=True)
    found = run_executions(target, seams, limit=2)
    assert len(found) == 2
    assert {ex.status for ex in found} == {"SUCCEEDED"}
    assert all(ex.duration is not None and ex.duration >= 0 for ex in found)
    text = seams.console.export_text()
    assert "raw/census [prod]: last 2 execution(s)" in text and "SUCCEEDED" in text


def test_executions_of_a_pipeline_never_run(moto_sfn, target, seams):
    deploy_state_machine(target.state_machine_name, PASSING)
    assert run_executions(target, seams) == []
    assert "none yet" in seams.console.export_text()
