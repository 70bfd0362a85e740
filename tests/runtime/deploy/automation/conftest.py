from pathlib import Path

import pytest
from automation_helpers import settings, write_project

from dorc_runtime.deploy.automation.commands import Session
from dorc_runtime.project import Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return write_project(tmp_path / "census-demo")


@pytest.fixture
def no_aws_credentials(monkeypatch, tmp_path):
    """The real credential chain, with nothing for it to find on this machine."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    # not on EC2: skip the instance-metadata probe's timeout, the rest of the chain is real
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def session(project: Project, monkeypatch) -> Session:
    for name in ("AWS_REGION", "AWS_ACCOUNT", "PULUMI_BACKEND_URL", "INFRA_BUCKET", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return Session.open(project, settings())
