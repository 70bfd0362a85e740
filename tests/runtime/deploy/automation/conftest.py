from pathlib import Path

import pytest
from automation_helpers import settings, write_project

from dorc_runtime.deploy.automation.commands import Session
from dorc_runtime.project import Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return write_project(tmp_path / "census-demo")


@pytest.fixture
def session(project: Project, monkeypatch) -> Session:
    for name in ("AWS_REGION", "PULUMI_BACKEND_URL", "INFRA_BUCKET", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return Session.open(project, settings())
