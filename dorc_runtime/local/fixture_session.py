"""The ``dorc`` test fixture's session, in dorc's own process: the embedded AWS, an empty holding
store of the test's own, and ``run``/``call`` through the entry points the tasks use
(:class:`~.runner.LocalRun`, :func:`~.runner.call_function`). :mod:`dorc_runtime.testing_host`
serves it to a test process, which may run in a pipeline's environment without dorc's packages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..project import Project
from .holding_store import HoldingStore
from .session import LocalSession, LocalSettings


@dataclass(frozen=True)
class RunOutcome:
    """How a pipeline run ended: status, output, error and cause, the state-by-state history
    (``interpreter.execution.HistoryEvent``) and, for a failure, where and one line of why."""

    status: str  # SUCCEEDED, FAILED or TIMED_OUT
    output: Any
    error: str | None
    cause: str | None
    failed_state: str | None
    history: list[Any]
    where: str = ""
    failure: str = ""


class FixtureSession:
    """``with FixtureSession(project, store_root) as session:`` run pipelines and call functions."""

    def __init__(self, project: Project, store_root: Path, environment: str | None = None) -> None:
        self.project = project
        self.settings = LocalSettings.of(project, environment)
        self.session = LocalSession(self.settings, store=HoldingStore(store_root))

    def __enter__(self) -> FixtureSession:
        self.session.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.session.__exit__(*exc_info)

    @property
    def bucket(self) -> str:
        return self.settings.holding_bucket

    @property
    def endpoint_url(self) -> str:
        return self.session.endpoint_url

    def s3(self) -> Any:
        import boto3

        return boto3.client("s3", region_name=self.settings.region, endpoint_url=self.session.endpoint_url)

    def seed(self, objects: Mapping[str, bytes]) -> None:
        client = self.s3()
        for key, body in objects.items():
            client.put_object(Bucket=self.bucket, Key=key, Body=body)

    def read(self, key: str) -> bytes:
        return self.s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def _resolve(self, pipeline: str, layer: str | None) -> tuple[str, str]:
        from ..validation.project import require_valid

        layer, name = self.project.resolve_pipeline(pipeline, layer)
        require_valid(self.project, [(layer, name)])  # refused as 'invoke run' refuses it
        return layer, name

    def run(self, pipeline: str, event: Any = None, layer: str | None = None) -> RunOutcome:
        from .console import failure_location, failure_summary
        from .runner import LocalRun

        layer, name = self._resolve(pipeline, layer)
        execution = LocalRun(self.session, layer, name).execute({} if event is None else event)
        where = failure_location(execution)
        failed = execution.status.value != "SUCCEEDED"
        return RunOutcome(
            status=execution.status.value,
            output=execution.output,
            error=execution.error,
            cause=execution.cause,
            failed_state=execution.failed_state,
            history=list(execution.history),
            where=where,
            failure=f"{execution.status.value}{where}: {failure_summary(execution.error, execution.cause)}"
            if failed else "",
        )

    def call(self, function: str, pipeline: str, event: Any = None, layer: str | None = None) -> Any:
        from .runner import call_function

        layer, name = self._resolve(pipeline, layer)
        return call_function(self.session, layer, name, function, {} if event is None else event)
