"""The dispatcher: one code path, deployed as a Lambda and run by ``invoke submit``.

For an archive created under ``incoming/`` of the submissions bucket it:

1. derives the submission id from (bucket, key, version id, ETag) (:mod:`.identity`), so a
   redelivered event for the same object version gets the same id, and stops early if that id was
   already dispatched;
2. streams the archive and extracts it safely and within its limits (:mod:`.archive`);
3. finds and validates ``manifest.json``, the route and the required files (:mod:`.checks`), and
   runs the route's validators in a child process with a time limit (:mod:`.validator_runner`);
4. stages the files in the holding store and starts the routed state machine once (:mod:`.staging`);
5. moves the archive to ``processed/<submission id>/`` (:mod:`.store`: copy, verify, delete).

Whatever goes wrong while the archive is checked — a broken rule (:class:`~.exceptions.Rejection`)
or anything unforeseen — moves it to ``failed/<submission id>/`` instead, with ``report.json``
beside it (:mod:`.report`), and notifies the failure topic. Only failures of AWS itself (reading
the archive, staging, starting, moving) propagate, so the event is retried and the archive stays
in ``incoming/``; the archive is never deleted before its copy is verified.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from .archive import archive_kind, extract
from .checks import check_required, find_route, read_manifest, split_manifest
from .events import INCOMING_PREFIX, IncomingObject
from .exceptions import Rejection
from .identity import clean_etag, submission_id
from .limits import COPY_OBJECT_MAX, exceeded
from .manifest import Manifest
from .report import archive_section, build_report, encode, minimal_report, notification, unexpected
from .routes import Route, RouteTable
from .settings import (
    FAILED_PREFIX,
    PROCESSED_PREFIX,
    REPORT_NAME,
    AwsClients,
    DispatcherSettings,
    Outcome,
    settings_from_environment,
)
from .staging import Start, plan_start, stage_and_start
from .store import ArchiveStore, error_code
from .streams import HashingReader, SourceReadError
from .validator_runner import run_validators

__all__ = ["AwsClients", "Dispatcher", "DispatcherSettings", "Outcome", "handler", "submission_id"]


@dataclass
class _Attempt:
    """What is known so far about one submission, for the failure report."""

    obj: IncomingObject
    sid: str
    name: str
    manifest: Manifest | None = None
    raw_manifest: Any = None
    route: Route | None = None
    files: list[str] = field(default_factory=list)

    @property
    def processed_key(self) -> str:
        return f"{PROCESSED_PREFIX}{self.sid}/{self.name}"

    @property
    def failed_key(self) -> str:
        return f"{FAILED_PREFIX}{self.sid}/{self.name}"

    @property
    def report_key(self) -> str:
        return f"{FAILED_PREFIX}{self.sid}/{REPORT_NAME}"


class Dispatcher:
    def __init__(
        self,
        table: RouteTable,
        settings: DispatcherSettings,
        clients: AwsClients,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        workdir: Path | None = None,
    ) -> None:
        self.table = table
        self.settings = settings
        self.clients = clients
        self.store = ArchiveStore(clients.s3)
        self.now = now
        self.workdir = workdir

    # -- entry point -----------------------------------------------------------------------------
    def dispatch(self, obj: IncomingObject) -> Outcome:
        if not obj.key.startswith(INCOMING_PREFIX) or obj.key.endswith("/"):
            return Outcome("ignored", "", obj)
        obj = self._complete_identity(obj)
        attempt = _Attempt(obj=obj, sid=submission_id(obj), name=PurePosixPath(obj.key).name)
        previous = self._already_dispatched(attempt)
        if previous is not None:
            return previous
        try:
            response = self.store.get(obj)
        except self.clients.s3.exceptions.ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "NoSuchVersion", "404"):
                return Outcome("missing", attempt.sid, obj)  # deleted before it was dispatched
            raise
        reader = HashingReader(response["Body"], self.table.limits.chunk_bytes)
        size = int(response["ContentLength"])
        with tempfile.TemporaryDirectory(prefix="dorc-submission-", dir=self.workdir) as tmp:
            try:
                start = self._check(attempt, reader, size, Path(tmp))
            except SourceReadError:
                raise  # S3 failed, not the archive: retried
            except Rejection as rejection:
                return self._quarantine(attempt, reader, size, rejection)
            except Exception as exc:  # a bug or an input nothing foresaw: the archive still gets its report
                return self._quarantine(attempt, reader, size, unexpected(exc))
            execution = stage_and_start(self.clients, self.settings, start, obj.key)
        reader.drain()
        self.store.move(obj, attempt.processed_key, reader.sha256_b64)
        return Outcome(
            "accepted",
            attempt.sid,
            obj,
            archive_key=attempt.processed_key,
            route=start.route,
            source_id=start.pipeline_input["source_id"],
            files=start.keys,
            execution_arn=execution,
            pipeline_input=start.pipeline_input,
        )

    # -- identity and idempotency ------------------------------------------------------------
    def _complete_identity(self, obj: IncomingObject) -> IncomingObject:
        if obj.etag:
            return obj
        # S3 notifications always carry the ETag; this is for hand-made events (local runs, tests)
        head = self.clients.s3.head_object(Bucket=obj.bucket, Key=obj.key)
        return IncomingObject(obj.bucket, obj.key, head.get("VersionId"), clean_etag(head["ETag"]), head["ContentLength"])

    def _already_dispatched(self, attempt: _Attempt) -> Outcome | None:
        """A redelivered event: finish the interrupted move, if any, and report a duplicate.

        ``processed/`` is written only after the execution started, and ``report.json`` only after
        the verified copy to ``failed/`` and the notification, so either proves the work was done.
        The original is deleted only when its copy is there (an archive too large to copy stays)."""
        obj, bucket = attempt.obj, attempt.obj.bucket
        if self.store.exists(bucket, attempt.processed_key):
            where, report_key = attempt.processed_key, None
        elif self.store.exists(bucket, attempt.report_key):
            where, report_key = attempt.failed_key, attempt.report_key
        else:
            return None
        if self.store.exists(bucket, where):
            self.store.delete_original(obj)
        else:
            where = obj.key
        return Outcome("duplicate", attempt.sid, obj, archive_key=where, report_key=report_key)

    # -- checks ----------------------------------------------------------------------------------
    def _check(self, attempt: _Attempt, reader: HashingReader, size: int, tmp: Path) -> Start:
        limits = self.table.limits
        if size > limits.max_archive_bytes:
            raise exceeded(limits, "max_archive_bytes", f"The archive is {size} bytes")
        kind = archive_kind(attempt.obj.key)
        folder = tmp / "archive"
        folder.mkdir()
        extracted = extract(reader, kind, folder, limits)
        manifest_file, data_files = split_manifest(extracted)
        attempt.files = [f.name for f in data_files]
        attempt.manifest = read_manifest(manifest_file, attempt.name, limits)
        attempt.route = find_route(self.table, attempt.manifest)
        check_required(attempt.route, data_files)
        run_validators(attempt.route, data_files, attempt.manifest, tmp)
        return plan_start(attempt.sid, attempt.manifest, attempt.route, manifest_file, data_files)

    # -- failure ---------------------------------------------------------------------------------
    def _quarantine(self, attempt: _Attempt, reader: HashingReader, size: int, rejection: Rejection) -> Outcome:
        """Copy (verified) to ``failed/``, notify, write ``report.json``, delete the original."""
        obj = attempt.obj
        movable = size <= COPY_OBJECT_MAX
        archive_key = attempt.failed_key if movable else obj.key
        report = self._report(attempt, rejection, archive_key)
        if movable:
            reader.drain()
            self.store.copy_verified(obj, archive_key, reader.sha256_b64)
        self._notify(report, f"s3://{obj.bucket}/{attempt.report_key}")
        self.clients.s3.put_object(
            Bucket=obj.bucket, Key=attempt.report_key, Body=encode(report), ContentType="application/json"
        )
        if movable:
            self.store.delete_original(obj)
        return Outcome(
            "rejected",
            attempt.sid,
            obj,
            archive_key=archive_key,
            route=attempt.route,
            source_id=attempt.manifest.source_id if attempt.manifest else None,
            report_key=attempt.report_key,
            report=report,
        )

    def _report(self, attempt: _Attempt, rejection: Rejection, archive_key: str) -> dict[str, Any]:
        obj = attempt.obj
        archive = archive_section(obj.bucket, obj.key, obj.version_id, obj.etag, archive_key)
        try:
            details = dict(rejection.details)
            manifest = attempt.manifest.as_json() if attempt.manifest else details.pop("manifest", None)
            return build_report(
                submission_id=attempt.sid,
                rejected_at=self.now(),
                rejection=rejection,
                archive=archive,
                manifest=manifest,
                route=attempt.route.describe() if attempt.route else None,
                files=attempt.files,
                details=details,
            )
        except Exception as exc:  # the report itself must never keep the archive from failed/
            return minimal_report(attempt.sid, self.now(), rejection, archive, exc)

    def _notify(self, report: dict[str, Any], report_uri: str) -> None:
        topic = self.settings.failure_topic_arn
        if not topic:
            return
        subject, message = notification(report, report_uri)
        self.clients.sns.publish(TopicArn=topic, Subject=subject, Message=message)


# -- the Lambda ----------------------------------------------------------------------------------
def handler(event: dict[str, Any], context: Any) -> list[dict[str, Any]]:
    """Lambda entry point; the deployment package has the project's ``routes.py`` at its root."""
    import importlib
    import os

    import boto3

    from .events import objects_from_event
    from .routes import ROUTES_MODULE, table_from_namespace

    settings = settings_from_environment(os.environ, context.invoked_function_arn)
    table = table_from_namespace(vars(importlib.import_module(ROUTES_MODULE)))
    clients = AwsClients(
        s3=boto3.client("s3", region_name=settings.region),
        sfn=boto3.client("stepfunctions", region_name=settings.region),
        sns=boto3.client("sns", region_name=settings.region),
    )
    dispatcher = Dispatcher(table, settings, clients)
    outcomes = [dispatcher.dispatch(obj) for obj in objects_from_event(event)]
    for outcome in outcomes:
        print(json.dumps(outcome.as_dict()))  # one structured log line per archive
    return [o.as_dict() for o in outcomes]
