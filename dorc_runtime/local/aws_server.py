"""The embedded AWS's own process: moto's server on a loopback socket the run hands over, with
the holding store loaded into it before the first request and saved from it at the end.

It is a separate process so that importing moto (~0.6 s of CPU, and imports hold the GIL) runs on
another core while the run loads the definition and the handlers, or, with warm servers, not at
all: a fork server (``sandbox/worker/forkserver.py --entry aws_server.py``) runs :func:`prepare`
once and :func:`child` in each process it forks for a run, whose stdin, stdout and stderr are the
run's pipes and whose listening socket the run bound (``python aws_server.py FD`` runs the same
code without a fork server). :class:`.embedded_aws.EmbeddedAWS` talks to it through those streams:

* stdin, one JSON line: ``{"store": DIR, "bucket": NAME, "region": REGION}``. Then nothing until the
  run closes it, which means "save the holding store and exit". The run closes it when it ends, and
  so does the kernel if the run dies, so this process never outlives the run for long.
* stdout: ``ready`` once the store is loaded and the server accepts requests.
* stderr: a traceback if it fails.

Ctrl-C, SIGTERM and SIGHUP reach the whole process group; this process ignores them and saves when
its stdin closes - when the run ends, or when the kernel closes the pipe of a run that was killed -
so an interrupted or terminated run still keeps what its handlers wrote.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

if __package__:
    from .holding_store import HoldingStore, SaveError
else:
    # Run by path, not with -m, so that the dorc_runtime package (pydantic models, ~0.25 s) is not
    # imported here. holding_store (stdlib only) is this file's sibling; the folder then leaves
    # sys.path so that no other sibling (context.py, runner.py, ...) shadows a module moto imports.
    from holding_store import HoldingStore, SaveError  # type: ignore[no-redef]

    del sys.path[0]

LOOPBACK = "127.0.0.1"
# asked for once by the fork server, whose S3 holds nothing yet: answered NoSuchBucket, nothing stored
WARM_UP_BUCKET = "dorc-warm-up"
READY = "ready"
# the exit status and the last stderr line (JSON {"message", "fix"}) when the holding store could
# not be saved, so that the run names that problem and its fix, not a failure to start moto
SAVE_FAILED = 3
# the run's process group may be sent these (Ctrl-C, a closed terminal, kill -TERM -PGID): this process
# ignores them, keeps what the handlers wrote, and saves it when the run ends or dies and its stdin closes
GROUP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class MotoS3:
    """The server's S3 state, reached directly in-process (no HTTP, no boto3 needed)."""

    def __init__(self, region: str) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        self.region = region
        self._backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

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


def moto_application() -> Any:
    """moto's WSGI application for every service (what ``moto_server`` serves). The slow part."""
    import logging

    import moto.s3.models  # noqa: F401  - the holding store needs it before the first request
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    return DomainDispatcherApplication(create_backend_app)


_application: Any = None


def prepare() -> None:
    """Import moto and build its application: what every embedded AWS a fork server makes shares
    (``sandbox/worker/forkserver.py --entry aws_server.py``), so a run's costs a fork. Then answer
    one request that changes nothing (an object of a bucket that does not exist): moto builds what
    serves S3 (the service's app, its URL map, its responses' templates) on its first request,
    ~0.07 s of CPU that every run's first S3 call would otherwise wait for."""
    global _application
    # importing moto makes ~10^5 objects that live as long as the process: collecting during the
    # import is wasted work (~15 % of it). Freezing them afterwards also keeps later collections
    # (in every child) from scanning them again.
    gc.disable()
    _application = moto_application()
    _answer_once(_application)
    gc.freeze()
    gc.enable()


def _answer_once(application: Any) -> None:
    from werkzeug.test import Client

    # signed as boto3 signs (only the credential's scope is read): S3, the default account
    authorization = ("AWS4-HMAC-SHA256 Credential=warm-up/20200101/us-east-1/s3/aws4_request, "
                     "SignedHeaders=host, Signature=0")
    Client(application).get(f"/{WARM_UP_BUCKET}/{WARM_UP_BUCKET}", headers={"Authorization": authorization})


def serve(fd: int) -> None:
    """Serve on the listening socket ``fd`` until stdin ends; see the module docstring."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    if _application is None:
        prepare()
    line = sys.stdin.readline()
    if not line:
        return  # the run ended (or needed no AWS) before telling us what to load
    config = json.loads(line)
    gc.disable()
    s3 = MotoS3(config["region"])
    store = HoldingStore(Path(config["store"]))
    store.load_into(s3, buckets=(config["bucket"],))
    gc.freeze()
    gc.enable()
    # what moto's ThreadedMotoServer does, on the socket the run already bound and listens on
    server = make_server(LOOPBACK, 0, _application, threaded=True, request_handler=MotoRequestHandler, fd=fd)
    # shutdown() waits up to one poll interval: keep the end of a run quick
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    sys.stdout.write(f"{READY}\n")
    sys.stdout.flush()
    sys.stdin.read()  # blocks until the run closes our stdin (or dies)
    server.shutdown()
    try:
        store.save_from(s3)
    except SaveError as failed:
        sys.stderr.write(json.dumps({"message": failed.message, "fix": failed.fix}) + "\n")
        sys.stderr.flush()
        os._exit(SAVE_FAILED)


def child(request: dict[str, Any], kept: list[int]) -> None:
    """A fork server's child: its stdin, stdout and stderr are the run's pipes, ``kept[0]`` the
    listening socket the run bound."""
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own streams, set up by the fork server
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    main(["aws_server.py", str(kept[0])])


def main(argv: list[str]) -> None:
    for name in GROUP_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    serve(int(argv[1]))
    # the store is saved and nothing else is kept: skip tearing down moto's modules and threads
    # (~0.2 s), which the run would wait for
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
