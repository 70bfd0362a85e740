"""Planned projects shared by the deploy tests (each plan runs the real Pulumi programs once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_projects import ProjectSpec, census_pipelines, census_project, write_project

from dorc_runtime.deploy.plan import Plan, plan_project

VPC_CONFIG = (
    'vpc_id="vpc-0abc", private_subnet_ids=("subnet-0a", "subnet-0b"), '
    'additional_lambda_role_policy_arn="arn:aws:iam::111122223333:policy/extra-lambda", '
    'additional_state_machine_role_policy_arn="arn:aws:iam::111122223333:policy/extra-sfn", '
    'failure_notification_emails=("data@example.com", "oncall@example.com"), log_retention_days=90'
)


@pytest.fixture(scope="session")
def census_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return census_project(tmp_path_factory.mktemp("census") / "acme-data")


@pytest.fixture(scope="session")
def census_plan(census_root: Path) -> Plan:
    return plan_project(census_root, "prod")


@pytest.fixture(scope="session")
def vpc_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    spec = ProjectSpec(slug="vpc-proj", config_extra={"prod": VPC_CONFIG}, pipelines=census_pipelines())
    root = write_project(tmp_path_factory.mktemp("vpc") / "vpc-proj", spec)
    return plan_project(root, "prod")
