"""The plan as a whole: valid ASL, clean IAM audits, the baked project, the task and its JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import parliament
import pytest
from deploy_projects import ProjectSpec, census_pipelines, write_project
from invoke import Context

from dorc_runtime.deploy.plan import Plan, plan_project
from dorc_runtime.errors import DorcError, ProjectError
from dorc_runtime.naming import LOCAL_ACCOUNT
from dorc_runtime.tasks.plan import plan as plan_task
from tests.helpers.asl_validation import lint_state_machines


def _audit(plans: list[Plan]) -> dict[str, list]:
    findings = {}
    for index, plan in enumerate(plans):
        for policy in plan.policies():
            if policy["kind"] == "trust":
                continue  # trust policies have no Resource: parliament audits permission policies
            found = parliament.analyze_policy_string(json.dumps(policy["document"])).findings
            findings[f"{index}:{policy['stack']}:{policy['resource']}:{policy['type']}"] = [
                (f.issue, f.detail) for f in found
            ]
    return findings


def test_every_state_machine_passes_an_independent_asl_validator(census_plan: Plan, vpc_plan: Plan) -> None:
    machines = {}
    for plan in (census_plan, vpc_plan):
        for machine in plan.state_machines():
            machines[re.sub(r"[^A-Za-z0-9]", "", f"{machine['name']}{plan.region}")] = machine["definition"]
    assert len(machines) == 6
    problems = lint_state_machines(machines, region="eu-west-2")
    assert problems == {key: [] for key in machines}


def test_every_policy_passes_parliament(census_plan: Plan, vpc_plan: Plan) -> None:
    findings = _audit([census_plan, vpc_plan])
    assert len(findings) >= 20
    assert {key: found for key, found in findings.items() if found} == {}


def test_no_wildcard_actions_and_resource_star_only_where_aws_requires_it(census_plan: Plan, vpc_plan: Plan) -> None:
    allowed_star = {"DeliverLogs", "DescribeVpcInterfaces"}
    for plan in (census_plan, vpc_plan):
        for policy in plan.policies():
            for statement in policy["document"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                if statement["Effect"] == "Allow":
                    assert not any(a == "*" or a.endswith(":*") for a in actions), statement
                if statement.get("Resource") == "*" and statement["Effect"] == "Allow":
                    assert statement["Sid"] in allowed_star, statement


def test_state_machine_role_reaches_only_its_functions_and_downstream(census_plan: Plan) -> None:
    (policy,) = [
        p for p in census_plan.policies()
        if p["stack"] == "raw/census [prod]" and p["resource"] == "sfn-role" and p["kind"] == "identity"
    ]  # fmt: skip
    statements = {s["Sid"]: s for s in policy["document"]["Statement"]}
    invoked = statements["InvokeOwnFunctions"]["Resource"]
    assert {arn.rsplit(":", 1)[-1] if arn.endswith(":*") else arn.rsplit(":", 1)[-1] for arn in invoked} >= {
        "acme-data-prod-raw-census-fetch", "acme-data-prod-raw-census-validate", "acme-data-prod-raw-census-publish",
    }  # fmt: skip
    assert all(":function:acme-data-prod-raw-census-" in arn for arn in invoked)
    assert statements["StartDownstreamPipelines"]["Resource"] == (
        "arn:aws:states:eu-west-2:111122223333:stateMachine:acme-data-prod-processed-census"
    )
    # a pipeline without downstream pipelines may start none
    (quick,) = [
        p for p in census_plan.policies()
        if p["stack"] == "processed/quick [prod]" and p["resource"] == "sfn-role" and p["kind"] == "identity"
    ]  # fmt: skip
    assert "StartDownstreamPipelines" not in {s["Sid"] for s in quick["document"]["Statement"]}


def test_lambda_role_reaches_only_its_logs_and_the_holding_store(census_plan: Plan) -> None:
    (policy,) = [
        p for p in census_plan.policies()
        if p["stack"] == "raw/census [prod]" and p["resource"] == "lambda-role" and p["kind"] == "identity"
    ]  # fmt: skip
    resources = [
        r for s in policy["document"]["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    for resource in resources:
        assert "/aws/lambda/acme-data-prod-raw-census-" in resource or "acme-data-prod-holding-111122223333" in resource


def test_baked_project_plans_with_valid_names_asl_and_audits(baked_project: Path, project_copy) -> None:
    root = project_copy(baked_project)
    plan = plan_project(root, "prod")
    machines = plan.state_machines()
    assert machines, "the baked project has the census example pipelines"
    keys = {re.sub(r"[^A-Za-z0-9]", "", m["name"]): m["definition"] for m in machines}
    assert lint_state_machines(keys, region=plan.region) == {key: [] for key in keys}
    assert {key: found for key, found in _audit([plan]).items() if found} == {}
    types = {r.type for r in plan.resources}
    assert {"aws:ecr/repository:Repository", "aws:lambda/function:Function", "aws:sfn/stateMachine:StateMachine",
            "aws:s3/bucket:Bucket", "aws:sns/topic:Topic"} <= types  # fmt: skip
    assert not any(t.startswith("docker:") for t in types)  # images are published before the stacks
    assert plan.account == LOCAL_ACCOUNT  # the default answers leave the account for deploy time


def test_plan_of_one_pipeline(census_root: Path) -> None:
    plan = plan_project(census_root, "preprod", pipeline="quick")
    assert plan.stacks == ["processed/quick [preprod]"]
    assert {r.stack for r in plan.resources} == {"processed/quick [preprod]"}
    assert all("-preprod-" in r.physical_name for r in plan.of_type("aws:lambda/function:Function"))


def test_unknown_environment_is_refused(census_root: Path) -> None:
    with pytest.raises(ProjectError, match="Unknown environment 'staging'"):
        plan_project(census_root, "staging")


def test_a_broken_pipeline_fails_with_its_name(tmp_path: Path) -> None:
    spec = ProjectSpec(pipelines=census_pipelines())
    root = write_project(tmp_path / "p", spec)
    (root / "src/raw/census/src/validate/lambda.py").unlink()
    with pytest.raises(DorcError, match="raw/census.*validate/lambda.py"):
        plan_project(root, "prod")


def test_task_prints_a_plan_readable_at_80_columns_and_writes_json(
    census_root: Path, census_plan: Plan, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(census_root)
    monkeypatch.setenv("COLUMNS", "80")  # what a CI log or a pipe gets
    output = tmp_path / "plan.json"
    plan_task(Context(), env="prod", output=str(output))
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0] == "dorc plan: prod (eu-west-2, account 111122223333)"
    for heading in ("universal (", "infra [prod] (", "raw/census [prod] (", "processed/quick [prod] ("):
        assert any(line.startswith(heading) for line in lines), heading
    # every physical name is printed whole, as a word of its own
    words = {word for line in lines for word in line.split()}
    assert {r.physical_name for r in census_plan.resources if r.physical_name} <= words
    assert "lambda:Function" in words and "memorySize=1024" in words
    # only a single name or value that is longer than a line by itself goes past 80 columns
    assert all(len(line) <= 80 or len(line.split()) == 1 for line in lines), [line for line in lines if len(line) > 80]
    data = json.loads(output.read_text())
    assert set(data) >= {"resources", "state_machines", "policies", "outputs", "zip_packages"}
    assert {m["name"] for m in data["state_machines"]} == {
        "acme-data-prod-raw-census", "acme-data-prod-processed-census", "acme-data-prod-processed-quick",
    }  # fmt: skip
    assert all(p["document"]["Version"] == "2012-10-17" for p in data["policies"])


def test_parallel_planning_gives_the_same_plan(tmp_path: Path) -> None:
    from deploy_projects import many_pipelines

    root = write_project(tmp_path / "many", ProjectSpec(pipelines=list(many_pipelines(6, 1))))
    serial = plan_project(root, "prod", workers=1)
    parallel = plan_project(root, "prod", workers=3)
    assert parallel.stacks == serial.stacks and len(serial.stacks) == 8
    assert parallel.resources == serial.resources
    assert parallel.outputs == serial.outputs


def test_plan_takes_the_account_from_env_file_like_deploy(tmp_path: Path, monkeypatch) -> None:
    """One resolution (dorc_runtime.settings): .env's AWS_ACCOUNT beats UNIVERSAL.account, and the
    programs under the plan derive their ARNs from it."""
    monkeypatch.delenv("AWS_ACCOUNT", raising=False)
    spec = ProjectSpec(pipelines=census_pipelines()[2:])  # processed/quick alone
    root = write_project(tmp_path / "p", spec)
    (root / ".env").write_text("AWS_ACCOUNT=444455556666\n")
    plan = plan_project(root, "prod")
    assert plan.account == "444455556666"
    machine = plan.of_type("aws:sfn/stateMachine:StateMachine")[0]
    assert ":444455556666:" in json.dumps(machine.inputs["definition"])
    assert ":111122223333:" not in json.dumps([r.inputs for r in plan.resources])
