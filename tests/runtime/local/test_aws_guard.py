"""The guard that keeps a local run off real AWS."""

from __future__ import annotations

import pytest

from dorc_runtime.errors import RealAWSRefused
from dorc_runtime.local.aws_guard import check_local_only, client_environment, is_loopback_url


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:5000", True), ("http://127.8.0.1", True), ("http://localhost:1", True),
    ("http://[::1]:4566", True), ("https://s3.eu-west-2.amazonaws.com", False),
    ("http://10.0.0.1:5000", False), ("http://localhost.evil.com", False), ("not a url", False),
])
def test_loopback_urls(url, loopback):
    assert is_loopback_url(url) is loopback


def test_the_environment_a_run_sets_is_accepted():
    check_local_only(client_environment("http://127.0.0.1:5000", "eu-west-2"))


@pytest.mark.parametrize("extra, complaint", [
    ({"AWS_ENDPOINT_URL": "https://example.com"}, "AWS_ENDPOINT_URL=https://example.com is not a loopback"),
    ({"AWS_ENDPOINT_URL_STEPFUNCTIONS": "https://states.amazonaws.com"}, "unset AWS_ENDPOINT_URL_STEPFUNCTIONS"),
    ({"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "ignore the local endpoint"),
])
def test_anything_that_would_reach_real_aws_is_refused(extra, complaint):
    environ = {**client_environment("http://127.0.0.1:5000", "eu-west-2"), **extra}
    with pytest.raises(RealAWSRefused, match=complaint):
        check_local_only(environ)


def test_no_endpoint_at_all_is_refused():
    with pytest.raises(RealAWSRefused, match="No AWS_ENDPOINT_URL"):
        check_local_only({"AWS_REGION": "eu-west-2"})
