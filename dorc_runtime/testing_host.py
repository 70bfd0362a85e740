"""The tooling side of the ``dorc`` test fixture (:mod:`dorc_runtime.testing`).

A pipeline's tests run in that pipeline's own environment (its requirements, boto3 as Lambda has
it, the project's ``requirements-test.txt``), which holds nothing of dorc's tooling: no pydantic,
no moto server, no Pulumi. What the fixture needs of them (the embedded AWS, the interpreter, the
sandboxes) runs here instead, in dorc's own environment::

    <dorc's python> -m dorc_runtime.testing_host

One JSON request per line on stdin, one JSON reply per line on the original stdout (anything else
this process or a library prints goes to stderr). A reply is ``{"ok": value}`` or
``{"error": {"type", "message", "fix", "error", "cause"}}`` (a :class:`~.errors.DorcError`
raised where it was detected; ``type`` is its class name, or ``Internal`` with the traceback as
message for anything else). Requests:

* ``open`` ``{root, store, environment}``: a fresh local session (its own holding store and
  embedded AWS) for one test; ``close`` ends it;
* ``run`` / ``call`` ``{pipeline, layer, event[, function]}``: what ``invoke run`` / ``invoke call`` do;
* ``seed`` ``{objects: {key: base64}}``, ``read`` ``{key}`` (base64), ``keys`` ``{prefix}``: the
  holding store.

It ends when stdin closes (the test process ended, however), closing the session it has open.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import sys
import traceback
from pathlib import Path
from typing import IO, Any

from .errors import DorcError, ExecutionFailed
from .local.fixture_session import FixtureSession
from .project import Project
from .tooling import INTERNAL_ERROR


class Host:
    """The open session of the test being run, if any."""

    def __init__(self) -> None:
        self.local: FixtureSession | None = None

    def open(self, root: str, store: str, environment: str | None) -> dict[str, str]:
        self.close()
        local = FixtureSession(Project.find(Path(root)), Path(store), environment)
        self.local = local.__enter__()
        return {"bucket": local.bucket, "endpoint": local.endpoint_url, "region": local.settings.region}

    def close(self) -> None:
        local, self.local = self.local, None
        if local is not None:
            local.__exit__(None, None, None)

    def handle(self, request: dict[str, Any]) -> Any:
        op = request.pop("op")
        if op == "open":
            return self.open(**request)
        if op == "close":
            return self.close()
        if self.local is None:
            raise DorcError("The dorc fixture's session is not open.", "use the fixture inside a test")
        if op == "seed":
            return self.local.seed({key: base64.b64decode(body) for key, body in request["objects"].items()})
        if op == "read":
            return base64.b64encode(self.local.read(request["key"])).decode()
        if op == "keys":
            return self.local.keys(request["prefix"])
        if op == "run":
            return dataclasses.asdict(self.local.run(request["pipeline"], request["event"], request["layer"]))
        if op == "call":
            return self.local.call(request["function"], request["pipeline"], request["event"], request["layer"])
        raise ValueError(f"unknown request {op!r}")


def _error(exc: DorcError) -> dict[str, Any]:
    detail = {"type": type(exc).__name__, "message": exc.message, "fix": exc.fix}
    if isinstance(exc, ExecutionFailed):
        detail.update(error=exc.error, cause=exc.cause)
    return detail


def serve(requests: IO[str], replies: IO[str]) -> None:
    host = Host()
    try:
        for line in requests:
            try:
                reply: dict[str, Any] = {"ok": host.handle(json.loads(line))}
            except DorcError as exc:
                reply = {"error": _error(exc)}
            except Exception:  # noqa: BLE001 - a bug of dorc's: the test shows its traceback, the host goes on
                reply = {"error": {"type": INTERNAL_ERROR, "message": traceback.format_exc(), "fix": None}}
            replies.write(json.dumps(reply, default=str) + "\n")
            replies.flush()
    finally:
        host.close()


def main() -> None:
    # the protocol keeps the real stdout; what anything else prints goes to stderr
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
