"""What keeps a local run's boto3 on the embedded AWS: the environment that points every client at
it, and the guard that refuses to run if boto3 could still reach real AWS."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

from ..errors import RealAWSRefused

DUMMY_KEY = "testing"  # moto accepts any credentials; these can never sign a real request
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
SERVICE_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL_"
IGNORE_ENDPOINTS_VARIABLE = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
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


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_local_only(environ: Mapping[str, str]) -> None:
    """Refuse unless every endpoint boto3 would use, in AWS's order of precedence, is loopback."""
    if environ.get(IGNORE_ENDPOINTS_VARIABLE, "").lower() == "true":
        raise RealAWSRefused(
            f"{IGNORE_ENDPOINTS_VARIABLE}=true would make boto3 ignore the local endpoint and call real AWS.",
            f"unset {IGNORE_ENDPOINTS_VARIABLE} for local runs",
        )
    endpoints = {k: v for k, v in environ.items() if k == ENDPOINT_VARIABLE or k.startswith(SERVICE_ENDPOINT_PREFIX)}
    if ENDPOINT_VARIABLE not in endpoints:
        raise RealAWSRefused(f"No {ENDPOINT_VARIABLE} is set: boto3 would call real AWS.",
                             "run through 'invoke run', which starts the embedded AWS")
    for name, url in sorted(endpoints.items()):
        if not is_loopback_url(url):
            raise RealAWSRefused(
                f"{name}={url} is not a loopback address: a local run would send requests to it.",
                f"unset {name} (the embedded AWS sets {ENDPOINT_VARIABLE} itself)",
            )


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
