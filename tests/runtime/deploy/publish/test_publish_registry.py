"""EcrRegistry against moto: a tag is found with DescribeImages, the push login comes from
GetAuthorizationToken, and a missing repository is one clear error naming the fix.

AWS rules checked here:
* DescribeImages with an imageTag that is not in the repository fails with ImageNotFoundException,
  and with RepositoryNotFoundException when the repository does not exist
  (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html).
* GetAuthorizationToken returns a base64 ``user:password`` token and the registry's proxyEndpoint;
  the user is ``AWS`` (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html,
  https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html).
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from dorc_runtime.deploy.publish import EcrRegistry
from dorc_runtime.errors import DeployError

ACCOUNT, REGION = "123456789012", "eu-west-2"  # moto's default account
REPOSITORY = "acme-data/raw/census/fetch"
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": "sha256:" + "a" * 64},
        "layers": [],
    }
)


@pytest.fixture()
def ecr(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE")
        yield client


def test_has_tag_is_true_only_for_a_pushed_tag(ecr) -> None:
    registry = EcrRegistry(ecr, ACCOUNT, REGION)
    assert registry.has_tag(REPOSITORY, "0123456789abcdef0123") is False
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=MANIFEST, imageTag="0123456789abcdef0123")
    assert registry.has_tag(REPOSITORY, "0123456789abcdef0123") is True
    assert registry.has_tag(REPOSITORY, "ffffffffffffffffffff") is False


def test_a_missing_repository_says_deploy_universal_first(ecr) -> None:
    with pytest.raises(DeployError) as error:
        EcrRegistry(ecr, ACCOUNT, REGION).has_tag("acme-data/raw/census/gone", "0123456789abcdef0123")
    assert "acme-data/raw/census/gone does not exist" in error.value.message
    assert "invoke deploy" in error.value.fix


def test_repository_url_and_push_login(ecr) -> None:
    registry = EcrRegistry(ecr, ACCOUNT, REGION)
    assert registry.repository_url(REPOSITORY) == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}"
    auth = registry.auth()
    assert auth["username"] == "AWS" and auth["password"]
    assert auth["serveraddress"] == f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    assert registry.auth() is auth  # one token per publish
