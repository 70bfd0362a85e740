from pathlib import Path

import pytest
from automation_helpers import settings

from dorc_runtime.deploy.automation.backend import BackendKind, passphrase, select_backend
from dorc_runtime.errors import DeployError

ROOT = Path("/projects/census-demo")


def test_backend_url_wins_over_bucket():
    backend = select_backend(settings(PULUMI_BACKEND_URL="s3://team-state", INFRA_BUCKET="other"), ROOT)
    assert (backend.url, backend.source, backend.kind) == (
        "s3://team-state",
        "PULUMI_BACKEND_URL",
        BackendKind.S3,
    )


def test_infra_bucket_becomes_an_s3_backend():
    backend = select_backend(settings(INFRA_BUCKET="census-pulumi-state"), ROOT)
    assert backend.url == "s3://census-pulumi-state"
    assert backend.source == "INFRA_BUCKET"


def test_infra_bucket_given_as_url_is_not_doubled():
    assert select_backend(settings(INFRA_BUCKET="s3://state/"), ROOT).url == "s3://state"


def test_default_is_a_file_backend_inside_the_project():
    backend = select_backend(settings(), ROOT)
    assert backend.url == f"file://{ROOT.resolve()}/.dorc/pulumi-state"
    assert backend.kind is BackendKind.FILE
    assert backend.local_path == ROOT.resolve() / ".dorc" / "pulumi-state"


def test_a_backend_url_without_scheme_is_refused():
    with pytest.raises(DeployError, match="not a backend URL"):
        select_backend(settings(PULUMI_BACKEND_URL="my-bucket"), ROOT)


@pytest.mark.parametrize("url", ["file:///tmp/state", "s3://state", "gs://state"])
def test_self_managed_backends_refuse_without_a_passphrase(url):
    values = settings(PULUMI_BACKEND_URL=url)
    backend = select_backend(values.model_copy(update={"PULUMI_CONFIG_PASSPHRASE": None}), ROOT)
    with pytest.raises(DeployError) as error:
        passphrase(values.model_copy(update={"PULUMI_CONFIG_PASSPHRASE": None}), backend)
    assert "PULUMI_CONFIG_PASSPHRASE is not set" in error.value.message
    assert ".env" in error.value.fix


def test_pulumi_cloud_needs_no_passphrase():
    values = settings(PULUMI_BACKEND_URL="https://api.pulumi.com", PULUMI_CONFIG_PASSPHRASE=None)
    assert passphrase(values, select_backend(values, ROOT)) is None


def test_passphrase_is_handed_over_when_set():
    values = settings()
    assert passphrase(values, select_backend(values, ROOT)) == "correct horse battery staple"
