"""`invoke report PIPELINE --env E --execution NAME`: a deployed execution drawn from its
GetExecutionHistory (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html),
against moto running the state machine: a Task retried then caught, a Parallel, a Map, a Fail."""

from __future__ import annotations

import json
import re
import time

import boto3
import pytest
from invoke import Context
from invoke.exceptions import Exit
from moto import mock_aws

from dorc_runtime.tasks.runs import report
from tests.runtime.operate.operate_helpers import REGION, deploy_state_machine, write_project

MISSING_LAMBDA = "arn:aws:lambda:eu-west-2:123456789012:function:nope"
DEFINITION = {
    "StartAt": "fetch",
    "States": {
        "fetch": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": MISSING_LAMBDA, "Payload.$": "$"},
                  "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "prep", "ResultPath": "$.fetch_error"}],
                  "Next": "prep"},
        "prep": {"Type": "Pass", "Result": [1, 2, 3], "ResultPath": "$.items", "Next": "split"},
        "split": {"Type": "Parallel", "ResultPath": None, "Next": "fan", "Branches": [
            {"StartAt": "left", "States": {"left": {"Type": "Pass", "End": True}}},
            {"StartAt": "right", "States": {"right": {"Type": "Pass", "End": True}}}]},
        "fan": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.out", "Next": "clean",
                "ItemProcessor": {"StartAt": "each", "States": {"each": {"Type": "Pass", "End": True}}}},
        "clean": {"Type": "Fail", "Error": "ValueError", "Cause": "year 1800 is too early"},
        "never": {"Type": "Succeed"},
    },
}


@pytest.fixture
def deployed(tmp_path, monkeypatch):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "DORC_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    project = write_project(tmp_path / "census-demo")
    monkeypatch.chdir(project.root)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        arn = deploy_state_machine("census-demo-prod-raw-census", DEFINITION)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        execution = sfn.start_execution(stateMachineArn=arn, name="nightly-1", input='{"year": 1800}')
        while sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "RUNNING":
            time.sleep(0.1)
        yield project


@pytest.mark.timeout(60)
def test_a_deployed_execution_is_drawn_from_its_history(deployed, capsys):
    report(Context(), pipeline="census", env="prod", execution="nightly-1")
    assert capsys.readouterr().out.strip() == "Wrote .dorc/reports/census-nightly-1.html"
    page = (deployed.root / ".dorc" / "reports" / "census-nightly-1.html").read_text()
    outcome = dict(re.findall(r'data-state="([^"]+)" data-outcome="([^"]+)"', page))
    assert outcome == {"fetch": "caught", "prep": "succeeded", "split": "succeeded", "left": "succeeded",
                       "right": "succeeded", "fan": "succeeded", "each": "succeeded", "clean": "failed",
                       "never": "not-reached"}
    data = json.loads(re.search(r'<script type="application/json" id="dorc-data">(.*?)</script>', page, re.S)
                      .group(1).replace("<\\/", "</"))
    fetch = data["states"]["fetch"]["attempts"]
    assert [a["status"] for a in fetch] == ["RETRYING", "CAUGHT"]
    assert fetch[0]["error"] == "Lambda.ResourceNotFoundException"
    clean = data["states"]["clean"]["attempts"][0]
    assert (clean["error"], clean["cause"]) == ("ValueError", "year 1800 is too early")
    assert json.loads(clean["input"]["text"])["items"] == [1, 2, 3]
    each = [a["scope"] for a in data["states"]["each"]["attempts"]]
    assert sorted(each) == ["fan[0]", "fan[1]", "fan[2]"]
    assert sorted(a["scope"] for s in ("left", "right") for a in data["states"][s]["attempts"]) == ["split[0]", "split[1]"]
    assert "fan (Map): 3 items — 3 ✓ succeeded" in page
    assert "Retries</dt><dd>1<" in page


def test_an_unknown_execution_is_refused_clearly(deployed):
    with pytest.raises(Exit) as raised:
        report(Context(), pipeline="census", env="prod", execution="no-such-run")
    assert "no execution 'no-such-run'" in str(raised.value.message)
    assert "invoke executions census --env prod" in str(raised.value.message)
