from pathlib import Path

import pytest
from moto import mock_aws
from operate_helpers import write_project
from rich.console import Console

from dorc_runtime.operate import OperateSeams, resolve
from dorc_runtime.project import Project


@pytest.fixture
def aws_env(monkeypatch):
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "DORC_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def moto_sfn(aws_env):
    # execute_state_machine: moto really runs the ASL (Pass/Fail states), so --wait sees an end
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return write_project(tmp_path / "census-demo")


@pytest.fixture
def target(project):
    return resolve(project, "census", None, "prod")


@pytest.fixture
def seams():
    return OperateSeams(Console(record=True, width=200), sleep=lambda s: None, poll_seconds=0.0)
