"""The embedded AWS of a local run: moto's server on a free loopback port, and the environment
that points every boto3 client in the handlers at it.

Starting moto costs most of a local run's start-up, so :meth:`EmbeddedAWS.start` does it in a
thread while the caller loads the definition and the handlers; the endpoint (port) is known at
once, so handler modules that create clients at import time get the right one.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import select
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from ..errors import RealAWSRefused

LOOPBACK = "127.0.0.1"
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


class EmbeddedAWS:
    """moto's server in this process, started only if a handler calls AWS.

    The loopback socket is bound at once, so the endpoint is known before any handler is loaded;
    moto (most of a run's start-up cost) is imported only when the first request is waiting.
    ``on_ready`` (loading the holding store) runs before that request is answered.
    """

    def __init__(self, on_ready: Callable[[], None] | None = None) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((LOOPBACK, 0))
        self._socket.listen(128)
        self.port = int(self._socket.getsockname()[1])
        self.endpoint_url = f"http://{LOOPBACK}:{self.port}"
        self._on_ready = on_ready
        self._wake_read, self._wake_write = socket.socketpair()
        self._server: Any = None
        self._error: BaseException | None = None
        self._serving = threading.Event()
        self._thread = threading.Thread(target=self._run, name="embedded-aws", daemon=True)

    def start(self) -> EmbeddedAWS:
        self._thread.start()
        return self

    @property
    def started(self) -> bool:
        """Has a request made the server start?"""
        return self._serving.is_set()

    def _run(self) -> None:
        readable, _, _ = select.select([self._socket, self._wake_read], [], [])
        if self._wake_read in readable:
            return  # stopped before anything asked for AWS
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server

            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
            if self._on_ready is not None:
                self._on_ready()
            # what moto's ThreadedMotoServer does, on the socket that is already listening
            self._server = make_server(LOOPBACK, self.port, DomainDispatcherApplication(create_backend_app),
                                       threaded=True, request_handler=MotoRequestHandler,
                                       fd=self._socket.fileno())
        except BaseException as exc:  # handed to the caller in stop()
            self._error = exc
            return
        finally:
            self._serving.set()
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> bool:
        """Stop serving; True if the server had started (and started cleanly)."""
        self._wake_write.send(b"x")
        if self.started and self._server is not None:
            self._server.shutdown()
        self._thread.join(timeout=5)
        for sock in (self._wake_read, self._wake_write):
            sock.close()
        if self._error is not None:
            raise self._error
        return self._server is not None

    def ensure_started(self) -> None:
        """Start now, as if a request had come (for callers that use moto's state directly)."""
        with socket.create_connection((LOOPBACK, self.port)):
            self._serving.wait()
        if self._error is not None:
            raise self._error


class MotoS3:
    """The embedded server's S3 state, reached directly in-process (no HTTP, no boto3 needed)."""

    def __init__(self, region: str) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        self.region = region
        self._backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

    def reset(self) -> None:
        """Start from nothing: the holding store on disk is the only state a run begins with."""
        self._backend.reset()

    def buckets(self) -> list[str]:
        return sorted(self._backend.buckets)

    def create_bucket(self, name: str) -> None:
        if name not in self._backend.buckets:
            self._backend.create_bucket(name, self.region)

    def objects(self, bucket: str) -> dict[str, bytes]:
        from moto.s3.models import FakeKey

        keys = self._backend.buckets[bucket].keys
        return {name: key.value for name, key in keys.items() if isinstance(key, FakeKey)}

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self._backend.put_object(bucket, key, body, disable_notification=True)
