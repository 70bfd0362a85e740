"""What keeps a local run's boto3 on the embedded AWS: the environment that points every client at
it, and the guard that refuses to run if boto3 could still reach real AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ..errors import RealAWSRefused
from .sandbox.worker.endpoint_rules import ENDPOINT_VARIABLE, endpoint_problem, is_loopback_url

__all__ = ["DUMMY_KEY", "check_local_only", "client_environment", "environment", "is_loopback_url"]

DUMMY_KEY = "testing"  # moto accepts any credentials; these can never sign a real request
# Variables that could make boto3 use a real profile or real credentials; a local run drops them.
DROPPED_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN")


def client_environment(endpoint_url: str, region: str) -> dict[str, str]:
    """What boto3 in a handler needs to talk to the embedded AWS and nothing else."""
    return {
        ENDPOINT_VARIABLE: endpoint_url,
        "AWS_ACCESS_KEY_ID": DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
        "AWS_SESSION_TOKEN": DUMMY_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # no shared config or credentials files: a profile's endpoint or keys cannot leak in
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def check_local_only(environ: Mapping[str, str]) -> None:
    """Refuse unless every endpoint boto3 would use, in AWS's order of precedence, is loopback."""
    problem = endpoint_problem(environ)
    if problem is not None:
        raise RealAWSRefused(*problem)


@contextmanager
def environment(values: Mapping[str, str], dropped: tuple[str, ...] = DROPPED_VARIABLES) -> Iterator[None]:
    """Set ``values`` (and drop ``dropped``) in ``os.environ`` for the block, then restore."""
    saved = {k: os.environ.get(k) for k in (*values, *dropped)}
    for key in dropped:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
