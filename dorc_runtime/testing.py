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

``run`` and ``call`` are the entry points the tasks use (:class:`~dorc_runtime.local.runner.LocalRun`
and :func:`~dorc_runtime.local.runner.call_function`), so a test sees what a local run sees:
the same Lambda context, environment variables, JSON round trips, timeouts and handler
isolation. Each test gets its own empty holding store (the project's ``.dorc/local`` is never
touched) and its own embedded AWS, stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .errors import ExecutionFailed
from .project import Project

__all__ = ["LocalAWS", "PipelineResult", "dorc"]


@dataclass(frozen=True)
class PipelineResult:
    """How a pipeline run ended: status, output, error and cause, and the state-by-state history."""

    status: str  # SUCCEEDED, FAILED or TIMED_OUT
    output: Any
    error: str | None
    cause: str | None
    failed_state: str | None
    history: list[Any]  # dorc_runtime.local.interpreter.execution.HistoryEvent, in run order
    where: str = ""  # the failing function, also inside a Parallel branch or a Map item

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def failure(self) -> str:
        """One line for an assertion message: where and why the run failed ('' when it did not)."""
        if self.succeeded:
            return ""
        from .local.console import failure_summary

        return f"{self.status}{self.where}: {failure_summary(self.error, self.cause)}"

    def states(self) -> list[str]:
        """The states that ran, in order (a retried Task once per attempt)."""
        return [event.state for event in self.history]


class LocalAWS:
    """A local session for tests: the embedded AWS, the holding store, and run/call."""

    def __init__(self, project: Project, store_root: Path, environment: str | None = None) -> None:
        from .local.holding_store import HoldingStore
        from .local.session import LocalSession, LocalSettings

        self.project = project
        self.settings = LocalSettings.of(project, environment)
        self.session = LocalSession(self.settings, store=HoldingStore(store_root))

    def __enter__(self) -> LocalAWS:
        self.session.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.session.__exit__(*exc_info)

    @property
    def bucket(self) -> str:
        """The holding store's bucket name (what handlers get in ``DORC_HOLDING_BUCKET``)."""
        return self.settings.holding_bucket

    def s3(self) -> Any:
        """A boto3 S3 client on the embedded AWS."""
        import boto3

        return boto3.client("s3", region_name=self.settings.region, endpoint_url=self.session.endpoint_url)

    def seed(self, objects: Mapping[str, bytes | str]) -> None:
        """Put objects in the holding store before a run: key -> content."""
        client = self.s3()
        for key, body in objects.items():
            client.put_object(Bucket=self.bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)

    def read(self, key: str) -> bytes:
        """An object's content from the holding store."""
        return self.s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def keys(self, prefix: str = "") -> list[str]:
        """The holding store's keys under ``prefix``, sorted."""
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def _resolve(self, pipeline: str, layer: str | None) -> tuple[str, str]:
        from .validation.project import require_valid

        layer, name = self.project.resolve_pipeline(pipeline, layer)
        require_valid(self.project, [(layer, name)])  # refused as 'invoke run' refuses it
        return layer, name

    def run(self, pipeline: str, event: Any = None, layer: str | None = None) -> PipelineResult:
        """Run a whole pipeline (and the pipelines it hands off to), as ``invoke run`` does."""
        from .local.console import failure_location
        from .local.runner import LocalRun

        layer, name = self._resolve(pipeline, layer)
        execution = LocalRun(self.session, layer, name).execute({} if event is None else event)
        return PipelineResult(
            status=execution.status.value,
            output=execution.output,
            error=execution.error,
            cause=execution.cause,
            failed_state=execution.failed_state,
            history=list(execution.history),
            where=failure_location(execution),
        )

    def call(self, function: str, pipeline: str, event: Any = None, layer: str | None = None) -> Any:
        """Call one function's handler as its pipeline would, as ``invoke call`` does; its
        failure raises :class:`~dorc_runtime.errors.ExecutionFailed` (``.error``, ``.cause``)."""
        from .local.runner import call_function

        layer, name = self._resolve(pipeline, layer)
        return call_function(self.session, layer, name, function, {} if event is None else event)


@pytest.fixture
def dorc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalAWS]:
    """A :class:`LocalAWS` for the project the tests run in, with an empty holding store."""
    project = Project.find(Path(str(request.config.rootpath)))
    with LocalAWS(project, tmp_path / "dorc-holding-store") as local:
        yield local


__all__ += ["ExecutionFailed"]
