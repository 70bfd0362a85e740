"""Preflight against this machine's real probes (no Pulumi CLI, a Docker client without an engine,
no AWS credentials) where that is the case here, and against fakes for every combination."""

import shutil
from dataclasses import replace

import boto3
import pytest
from automation_helpers import all_present_probes, settings
from moto import mock_aws

from dorc_runtime.deploy.automation.backend import select_backend
from dorc_runtime.deploy.automation.preflight import (
    Needs,
    check_bucket,
    check_credentials,
    check_docker,
    check_pulumi,
    preflight,
    preflight_problems,
    system_probes,
)
from dorc_runtime.errors import MissingToolError


@pytest.mark.skipif(shutil.which("pulumi") is not None, reason="this machine has the Pulumi CLI")
def test_real_missing_pulumi_cli_says_how_to_install_it():
    problem = check_pulumi(system_probes())
    assert problem is not None
    assert "Pulumi CLI is not installed" in problem.what
    assert "curl -fsSL https://get.pulumi.com | sh" in problem.fix
    assert "pulumi plugin install resource aws" in problem.fix


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker client (CI installs docker.io)")
def test_real_docker_client_without_engine(monkeypatch, tmp_path):
    # an engine may run at the ambient DOCKER_HOST (CI's docker tests): point the client at none
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    problem = check_docker(system_probes())
    assert problem is not None
    assert "cannot reach a Docker engine" in problem.what
    assert "systemctl start docker" in problem.fix


def test_real_credential_chain_without_credentials(no_aws_credentials):
    problem = check_credentials(system_probes())
    assert problem is not None
    assert "aws configure" in problem.fix and "aws-vault exec" in problem.fix


def test_real_credential_chain_finds_environment_keys(no_aws_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert check_credentials(system_probes()) is None


def test_real_bucket_probe_against_moto(no_aws_credentials, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    with mock_aws():
        probes = system_probes()
        backend = select_backend(settings(INFRA_BUCKET="census-state"), tmp_path)
        missing = check_bucket(backend, probes)
        assert missing is not None and "does not exist" in missing.what
        assert "aws s3 mb s3://census-state" in missing.fix
        boto3.client("s3", region_name="eu-west-2").create_bucket(
            Bucket="census-state", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        assert check_bucket(backend, probes) is None


def test_everything_present_passes(tmp_path):
    preflight(Needs(docker=True), settings(), select_backend(settings(), tmp_path), all_present_probes())


def test_one_problem_is_one_line_with_its_fix(tmp_path):
    probes = replace(all_present_probes(), which=lambda name: None if name == "pulumi" else "/bin/x")
    with pytest.raises(MissingToolError) as error:
        preflight(Needs(), settings(), select_backend(settings(), tmp_path), probes)
    assert error.value.message.endswith("Nothing was changed.")
    assert "get.pulumi.com" in error.value.fix


def test_all_problems_are_reported_together(tmp_path):
    values = settings(PULUMI_CONFIG_PASSPHRASE=None)
    probes = replace(
        all_present_probes(),
        which=lambda name: None if name == "pulumi" else "/usr/bin/docker",
        docker_engine_running=lambda: False,
        aws_credentials_found=lambda: False,
    )
    problems = preflight_problems(Needs(docker=True), values, select_backend(values, tmp_path), probes)
    assert [p.what.split(" ")[:3] for p in problems] == [
        ["PULUMI_CONFIG_PASSPHRASE", "is", "not"],
        ["The", "Pulumi", "CLI"],
        ["The", "Docker", "client"],
        ["No", "AWS", "credentials"],
    ]
    with pytest.raises(MissingToolError, match="4 things must be fixed"):
        preflight(Needs(docker=True), values, select_backend(values, tmp_path), probes)


def test_docker_is_only_checked_when_images_are_built(tmp_path):
    probes = replace(all_present_probes(), which=lambda name: None if name == "docker" else "/bin/x")
    assert (
        preflight_problems(Needs(docker=False), settings(), select_backend(settings(), tmp_path), probes)
        == []
    )
    [problem] = preflight_problems(
        Needs(docker=True), settings(), select_backend(settings(), tmp_path), probes
    )
    assert "Docker is not installed" in problem.what and "package_type='zip'" in problem.fix


def test_bucket_is_probed_only_with_credentials(tmp_path):
    values = settings(INFRA_BUCKET="state")
    probes = replace(
        all_present_probes(), aws_credentials_found=lambda: False, bucket_problem=lambda b: "boom"
    )
    problems = preflight_problems(Needs(aws=False), values, select_backend(values, tmp_path), probes)
    assert [p.what.startswith("No AWS credentials") for p in problems] == [True]
