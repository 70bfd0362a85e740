"""Test a pipeline, or one function, the way ``invoke run`` and ``invoke call`` run them: the
real state machine and handlers against the embedded AWS (moto), from a pytest test.

In a generated project, ``tests/conftest.py`` loads this module as a pytest plugin
(``pytest_plugins = ["dorc_runtime.testing"]``), which gives every test the ``dorc`` fixture::

    def test_census_publishes_the_year(dorc):
        dorc.seed({"census/input/2021.csv": b"year,region\\n2021,North\\n"})
        result = dorc.run("census", layer="raw", event={"year": 2021})
        assert result.succeeded, result.failure
        assert result.output["key"] == "census/raw/2021.csv"
        assert dorc.read("census/raw/2021.csv").startswith(b"year,")

    def test_clean_alone(dorc):
        assert dorc.call("clean", "census", layer="raw", event={"rows": []}) == {"rows": []}

``run`` and ``call`` are the entry points the tasks use, so a test sees what a local run sees: the
same Lambda context, environment variables, JSON round trips, timeouts and handler isolation.
Each test gets its own empty holding store (the project's ``.dorc/local`` is never touched) and
its own embedded AWS, stopped when the test ends.

A pipeline's tests run in that pipeline's environment (``invoke test``), which has nothing of dorc's
tooling, so this module is standard library and pytest only: the session itself runs in dorc's
own environment (:mod:`dorc_runtime.testing_host`, started once per test process with the Python
in ``DORC_TOOLING_PYTHON``, which ``invoke test`` sets, else this one) and answers over a pipe.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from . import errors
from .errors import DorcError, ExecutionFailed
from .project import Project
from .tooling import INTERNAL_ERROR, TOOLING_PYTHON_VARIABLE

__all__ = ["ExecutionFailed", "LocalAWS", "PipelineResult", "dorc"]


@dataclass(frozen=True)
class PipelineResult:
    """How a pipeline run ended: status, output, error and cause, and the state-by-state history."""

    status: str  # SUCCEEDED, FAILED or TIMED_OUT
    output: Any
    error: str | None
    cause: str | None
    failed_state: str | None
    history: list[Any]  # one entry per state run (a retried Task once per attempt): .state, .status, ...
    where: str = ""  # the failing function, also inside a Parallel branch or a Map item
    failure: str = ""  # one line for an assertion message: where and why it failed ('' when it did not)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def states(self) -> list[str]:
        """The states that ran, in order (a retried Task once per attempt)."""
        return [event.state for event in self.history]


class _Host:
    """dorc's side of the fixture in a process of its own (:mod:`dorc_runtime.testing_host`)."""

    def __init__(self, python: str, root: Path) -> None:
        self.python = python
        self.process = subprocess.Popen(
            [python, "-m", "dorc_runtime.testing_host"], cwd=root, text=True, encoding="utf-8",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")},
        )

    def ask(self, op: str, **fields: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BaseException:  # a test's timeout or Ctrl-C mid-request: this host is out of step.
            # Killed outright, as a killed run: its embedded AWS saves and ends, its sandboxes end
            self.process.kill()
            self.process.wait()
            raise
        if not line:
            self.close()
            raise DorcError(
                f"dorc's test session ended ({self.python} -m dorc_runtime.testing_host, exit status "
                f"{self.process.returncode}); its output is above.",
                f"run the tests with 'invoke test', or set {TOOLING_PYTHON_VARIABLE} to the Python that runs "
                "invoke (the one with dorc's requirements installed)",
            )
        reply = json.loads(line)
        if "error" in reply:
            if reply["error"]["type"] == INTERNAL_ERROR:
                raise RuntimeError(f"dorc's test session failed:\n{reply['error']['message']}")
            raise _rebuilt(reply["error"])
        return reply["ok"]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()  # the host closes its session and ends
            except OSError:
                pass
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _rebuilt(detail: dict[str, Any]) -> DorcError:
    """The host's DorcError, as the class it was where it was raised."""
    if detail["type"] == ExecutionFailed.__name__:
        return ExecutionFailed(detail["message"], detail["fix"], error=detail.get("error"), cause=detail.get("cause"))
    kind = getattr(errors, detail["type"], DorcError)
    try:
        return kind(detail["message"], detail["fix"])
    except TypeError:  # a class built from something else (DefinitionError's problem list)
        return DorcError(detail["message"], detail["fix"])


class LocalAWS:
    """A test's local session: the embedded AWS, its own empty holding store, and run/call."""

    def __init__(self, host: _Host, root: Path, store_root: Path, environment: str | None = None) -> None:
        self._host = host
        opened = host.ask("open", root=str(root), store=str(store_root), environment=environment)
        self.bucket: str = opened["bucket"]  # what handlers get in DORC_HOLDING_BUCKET
        self.endpoint_url: str = opened["endpoint"]
        self.region: str = opened["region"]

    def close(self) -> None:
        if self._host.alive:
            self._host.ask("close")

    def s3(self) -> Any:
        """A boto3 S3 client on the embedded AWS (boto3 is in every pipeline's environment, as in Lambda's)."""
        import boto3

        return boto3.client("s3", region_name=self.region, endpoint_url=self.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def seed(self, objects: Mapping[str, bytes | str]) -> None:
        """Put objects in the holding store before a run: key -> content."""
        encoded = {key: base64.b64encode(body.encode() if isinstance(body, str) else body).decode()
                   for key, body in objects.items()}
        self._host.ask("seed", objects=encoded)

    def read(self, key: str) -> bytes:
        """An object's content from the holding store."""
        return base64.b64decode(self._host.ask("read", key=key))

    def keys(self, prefix: str = "") -> list[str]:
        """The holding store's keys under ``prefix``, sorted."""
        return list(self._host.ask("keys", prefix=prefix))

    def run(self, pipeline: str, event: Any = None, layer: str | None = None) -> PipelineResult:
        """Run a whole pipeline (and the pipelines it hands off to), as ``invoke run`` does."""
        outcome = self._host.ask("run", pipeline=pipeline, event=event, layer=layer)
        outcome["history"] = [SimpleNamespace(**event) for event in outcome["history"]]
        return PipelineResult(**outcome)

    def call(self, function: str, pipeline: str, event: Any = None, layer: str | None = None) -> Any:
        """Call one function's handler as its pipeline would, as ``invoke call`` does; its
        failure raises :class:`~dorc_runtime.errors.ExecutionFailed` (``.error``, ``.cause``)."""
        return self._host.ask("call", function=function, pipeline=pipeline, event=event, layer=layer)


@pytest.fixture(scope="session")
def _dorc_host(request: pytest.FixtureRequest) -> Iterator[list[_Host | None]]:
    """One host per test process, started at the first test that uses ``dorc`` (and again after a
    test that timed out mid-request)."""
    holder: list[_Host | None] = [None]
    yield holder
    if holder[0] is not None:
        holder[0].close()


@pytest.fixture
def dorc(request: pytest.FixtureRequest, tmp_path: Path, _dorc_host: list[_Host | None]) -> Iterator[LocalAWS]:
    """A :class:`LocalAWS` for the project the tests run in, with an empty holding store."""
    root = Project.find(Path(str(request.config.rootpath))).root
    if _dorc_host[0] is None or not _dorc_host[0].alive:
        _dorc_host[0] = _Host(os.environ.get(TOOLING_PYTHON_VARIABLE) or sys.executable, root)
    local = LocalAWS(_dorc_host[0], root, tmp_path / "dorc-holding-store")
    try:
        yield local
    finally:
        local.close()
