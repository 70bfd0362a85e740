"""Which environments would let boto3 reach real AWS: the one rule the run checks before it
starts and every sandbox worker checks before each invocation (stdlib only: the worker loads it
by path inside a function's environment)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
SERVICE_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL_"
IGNORE_ENDPOINTS_VARIABLE = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """``(what is wrong, the fix)`` unless every endpoint boto3 would use, in AWS's order of
    precedence, is loopback."""
    if environ.get(IGNORE_ENDPOINTS_VARIABLE, "").lower() == "true":
        return (f"{IGNORE_ENDPOINTS_VARIABLE}=true would make boto3 ignore the local endpoint and call real AWS.",
                f"unset {IGNORE_ENDPOINTS_VARIABLE} for local runs")
    endpoints = {k: v for k, v in environ.items() if k == ENDPOINT_VARIABLE or k.startswith(SERVICE_ENDPOINT_PREFIX)}
    if ENDPOINT_VARIABLE not in endpoints:
        return (f"No {ENDPOINT_VARIABLE} is set: boto3 would call real AWS.",
                "run through 'invoke run', which starts the embedded AWS")
    for name, url in sorted(endpoints.items()):
        if not is_loopback_url(url):
            return (f"{name}={url} is not a loopback address: a local run would send requests to it.",
                    f"unset {name} (the embedded AWS sets {ENDPOINT_VARIABLE} itself)")
    return None
