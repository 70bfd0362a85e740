"""The dispatcher: one code path, deployed as a Lambda and run by ``invoke submit``.

For an archive created under ``incoming/`` of the submissions bucket it:

1. derives the submission id from (bucket, key, version id, ETag), so a redelivered event for the
   same object version gets the same id, and stops early if that id was already dispatched;
2. streams the archive and extracts it safely (:mod:`.archive`) into a temporary folder;
3. validates ``manifest.json`` (:mod:`.manifest`), finds the route, checks required files, runs the
   route's validators;
4. uploads the files to the holding store under ``submissions/<source_id>/<submission id>/``;
5. starts the routed state machine with ``{submission_id, source_id, manifest, files, options}``,
   the execution named after the submission id (Step Functions refuses a second one), and writes
   a ``_submission.json`` marker beside the files;
6. moves the archive to ``processed/<submission id>/``: copy with a SHA-256 checksum, verify it
   against the bytes that were read, then delete exactly the version that was processed.

A :class:`~.exceptions.Rejection` at any step moves the archive to ``failed/<submission id>/``
instead, with ``report.json`` beside it, and notifies the failure topic. Any other exception (an
AWS outage, a bug) propagates so the event is retried; the archive then stays in ``incoming/``.
The archive is never deleted before its copy is verified.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from ..errors import DorcError
from ..naming import (
    ENV_ENVIRONMENT,
    ENV_FAILURE_TOPIC,
    ENV_HOLDING_BUCKET,
    ENV_PROJECT,
    Naming,
    execution_arn,
)
from .archive import ExtractedFile, HashingReader, archive_kind, extract
from .events import INCOMING_PREFIX, IncomingObject
from .exceptions import Rejection
from .limits import COPY_OBJECT_MAX
from .manifest import MANIFEST_NAME, Manifest, parse_manifest
from .routes import Route, RouteTable, SubmittedFile, resolve_callable

PROCESSED_PREFIX = "processed/"
FAILED_PREFIX = "failed/"
HOLDING_PREFIX = "submissions/"
MARKER_NAME = "_submission.json"
REPORT_NAME = "report.json"
REPORT_VERSION = 1

Status = Literal["accepted", "rejected", "duplicate", "ignored", "missing"]


class CopyNotVerified(DorcError):
    """A copied archive does not match the original: the original is kept and the event retried."""


@dataclass(frozen=True)
class DispatcherSettings:
    naming: Naming
    region: str
    account: str
    holding_bucket: str
    failure_topic_arn: str | None = None

    def state_machine_arn(self, route: Route) -> str:
        return self.naming.state_machine_arn(self.region, self.account, route.layer, route.pipeline)


@dataclass(frozen=True)
class AwsClients:
    """The seams: boto3 clients (or anything with the same methods)."""

    s3: Any
    sfn: Any
    sns: Any


@dataclass(frozen=True)
class Outcome:
    status: Status
    submission_id: str
    archive: IncomingObject
    archive_key: str | None = None  # where the archive is now
    route: Route | None = None
    source_id: str | None = None
    files: tuple[str, ...] = ()
    execution_arn: str | None = None
    pipeline_input: dict[str, Any] | None = None
    report_key: str | None = None
    report: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "submission_id": self.submission_id,
            "archive": f"s3://{self.archive.bucket}/{self.archive_key or self.archive.key}",
            "route": self.route.describe() if self.route else None,
            "files": list(self.files),
            "execution_arn": self.execution_arn,
            "report": f"s3://{self.archive.bucket}/{self.report_key}" if self.report_key else None,
            "rule": (self.report or {}).get("rule"),
        }


def _clean_etag(etag: str | None) -> str:
    return (etag or "").strip('"')


def submission_id(obj: IncomingObject) -> str:
    """Readable and deterministic: '<archive stem>-<16 hex of bucket/key/version/etag>'.

    It names the Step Functions execution, so it keeps to [A-Za-z0-9_-] and 80 characters."""
    identity = "\n".join([obj.bucket, obj.key, obj.version_id or "null", _clean_etag(obj.etag)])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    stem = PurePosixPath(obj.key).name.split(".")[0]
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:40] or "submission"
    return f"{readable}-{digest}"


@dataclass
class _Attempt:
    """What is known so far about one submission, for the failure report."""

    obj: IncomingObject
    sid: str
    name: str
    manifest: Manifest | None = None
    route: Route | None = None
    files: list[str] = field(default_factory=list)


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
        self.now = now
        self.workdir = workdir

    # -- entry point -----------------------------------------------------------------------------
    def dispatch(self, obj: IncomingObject) -> Outcome:
        if not obj.key.startswith(INCOMING_PREFIX) or obj.key.endswith("/"):
            return Outcome("ignored", "", obj)
        obj = self._complete_identity(obj)
        sid = submission_id(obj)
        attempt = _Attempt(obj=obj, sid=sid, name=PurePosixPath(obj.key).name)
        previous = self._already_dispatched(attempt)
        if previous is not None:
            return previous
        try:
            response = self._get(obj)
        except self.clients.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchVersion", "404"):
                return Outcome("missing", sid, obj)  # deleted before it was dispatched
            raise
        reader = HashingReader(response["Body"], self.table.limits.chunk_bytes)
        size = int(response["ContentLength"])
        with tempfile.TemporaryDirectory(prefix="dorc-submission-", dir=self.workdir) as tmp:
            try:
                outcome = self._accept(attempt, reader, size, Path(tmp))
            except Rejection as rejection:
                return self._quarantine(attempt, reader, size, rejection)
        reader.drain()
        self._move(obj, f"{PROCESSED_PREFIX}{sid}/{attempt.name}", reader.sha256_b64)
        return outcome

    # -- identity and idempotency ------------------------------------------------------------
    def _complete_identity(self, obj: IncomingObject) -> IncomingObject:
        if obj.etag:
            return obj
        # S3 notifications always carry the ETag; this is for hand-made events (local runs, tests)
        head = self.clients.s3.head_object(Bucket=obj.bucket, Key=obj.key)
        return IncomingObject(obj.bucket, obj.key, head.get("VersionId"), _clean_etag(head["ETag"]), head["ContentLength"])

    def _exists(self, bucket: str, key: str) -> bool:
        try:
            self.clients.s3.head_object(Bucket=bucket, Key=key)
        except self.clients.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def _already_dispatched(self, attempt: _Attempt) -> Outcome | None:
        """A redelivered event: finish the interrupted move, if any, and report a duplicate.

        ``processed/`` is written only after the execution started, and ``report.json`` only after
        the verified copy to ``failed/`` and the notification, so either proves the work was done."""
        obj, sid = attempt.obj, attempt.sid
        processed = f"{PROCESSED_PREFIX}{sid}/{attempt.name}"
        report = f"{FAILED_PREFIX}{sid}/{REPORT_NAME}"
        if self._exists(obj.bucket, processed):
            where: str | None = processed
        elif self._exists(obj.bucket, report):
            where = f"{FAILED_PREFIX}{sid}/{attempt.name}"
        else:
            return None
        self._delete_original(obj)
        return Outcome("duplicate", sid, obj, archive_key=where, report_key=report if "failed" in where else None)

    # -- acceptance ------------------------------------------------------------------------------
    def _accept(self, attempt: _Attempt, reader: HashingReader, size: int, tmp: Path) -> Outcome:
        limits = self.table.limits
        if size > limits.max_archive_bytes:
            raise Rejection(
                "archive.too_large",
                f"The archive is {size} bytes; the limit is {limits.max_archive_bytes}.",
                "split the submission or raise LIMITS.max_archive_bytes in routes.py",
                limit=limits.max_archive_bytes,
            )
        kind = archive_kind(attempt.obj.key)
        extracted = extract(reader, kind, tmp, limits)
        manifest_file, data_files = _split_manifest(extracted)
        attempt.manifest = parse_manifest(manifest_file.path.read_bytes(), attempt.name)
        route = self.table.match(attempt.manifest.source_id)
        if route is None:
            raise Rejection(
                "route.unknown_source_id",
                f"No route matches source_id {attempt.manifest.source_id!r}.",
                "fix the manifest's source_id or add a route with 'invoke new-route'",
            )
        attempt.route = route
        attempt.files = [f.name for f in data_files]
        _check_required(route, data_files)
        _run_validators(route, data_files, attempt.manifest)
        return self._start(attempt, manifest_file, data_files)

    def _start(self, attempt: _Attempt, manifest_file: ExtractedFile, files: list[ExtractedFile]) -> Outcome:
        assert attempt.manifest is not None and attempt.route is not None
        s3, holding = self.clients.s3, self.settings.holding_bucket
        source_id, sid, route = attempt.manifest.source_id, attempt.sid, attempt.route
        prefix = f"{HOLDING_PREFIX}{source_id}/{sid}/"
        keys = [prefix + f.name for f in files]
        pipeline_input = {
            "submission_id": sid,
            "source_id": source_id,
            "manifest": attempt.manifest.as_json(),
            "files": keys,
            "options": route.options,
        }
        marker = prefix + MARKER_NAME
        if self._exists(holding, marker):
            started = json.loads(s3.get_object(Bucket=holding, Key=marker)["Body"].read())
            execution_arn = started["execution_arn"]
        else:
            for f in files:
                s3.upload_file(str(f.path), holding, prefix + f.name)
            s3.upload_file(str(manifest_file.path), holding, prefix + MANIFEST_NAME)
            execution_arn = self._start_execution(route, sid, pipeline_input)
            body = {"execution_arn": execution_arn, "input": pipeline_input, "archive": attempt.obj.key}
            s3.put_object(Bucket=holding, Key=marker, Body=json.dumps(body).encode(), ContentType="application/json")
        return Outcome(
            "accepted",
            sid,
            attempt.obj,
            archive_key=f"{PROCESSED_PREFIX}{sid}/{attempt.name}",
            route=route,
            source_id=source_id,
            files=tuple(keys),
            execution_arn=execution_arn,
            pipeline_input=pipeline_input,
        )

    def _start_execution(self, route: Route, sid: str, pipeline_input: dict[str, Any]) -> str:
        sfn = self.clients.sfn
        arn = self.settings.state_machine_arn(route)
        try:
            return sfn.start_execution(stateMachineArn=arn, name=sid, input=json.dumps(pipeline_input))["executionArn"]
        except sfn.exceptions.ExecutionAlreadyExists:
            # the same submission already started (a retry after a crash): do not run it twice
            return execution_arn(arn, sid)

    # -- moving archives -------------------------------------------------------------------------
    def _get(self, obj: IncomingObject) -> dict[str, Any]:
        kwargs = {"VersionId": obj.version_id} if obj.version_id else {}
        return self.clients.s3.get_object(Bucket=obj.bucket, Key=obj.key, **kwargs)

    def _copy_verified(self, obj: IncomingObject, dest_key: str, sha256_b64: str) -> None:
        """Copy with a SHA-256 checksum and check it against the bytes that were read."""
        source = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id:
            source["VersionId"] = obj.version_id
        s3 = self.clients.s3
        s3.copy_object(Bucket=obj.bucket, Key=dest_key, CopySource=source, ChecksumAlgorithm="SHA256")
        head = s3.head_object(Bucket=obj.bucket, Key=dest_key, ChecksumMode="ENABLED")
        if head.get("ChecksumSHA256") != sha256_b64:
            raise CopyNotVerified(
                f"The copy s3://{obj.bucket}/{dest_key} does not match s3://{obj.bucket}/{obj.key}; "
                "the original was kept.",
                "the event will be retried",
            )

    def _move(self, obj: IncomingObject, dest_key: str, sha256_b64: str) -> None:
        self._copy_verified(obj, dest_key, sha256_b64)
        self._delete_original(obj)

    def _delete_original(self, obj: IncomingObject) -> None:
        # exactly the processed version: a newer upload to the same key is left alone
        kwargs = {"VersionId": obj.version_id} if obj.version_id else {}
        self.clients.s3.delete_object(Bucket=obj.bucket, Key=obj.key, **kwargs)

    # -- failure ---------------------------------------------------------------------------------
    def _quarantine(self, attempt: _Attempt, reader: HashingReader, size: int, rejection: Rejection) -> Outcome:
        obj, sid = attempt.obj, attempt.sid
        archive_key = f"{FAILED_PREFIX}{sid}/{attempt.name}"
        report_key = f"{FAILED_PREFIX}{sid}/{REPORT_NAME}"
        movable = size <= COPY_OBJECT_MAX
        report = self._report(attempt, rejection, archive_key if movable else obj.key)
        if movable:
            reader.drain()
            self._copy_verified(obj, archive_key, reader.sha256_b64)
        self._notify(report)
        self.clients.s3.put_object(
            Bucket=obj.bucket, Key=report_key, Body=json.dumps(report, indent=2).encode(), ContentType="application/json"
        )
        if movable:
            self._delete_original(obj)
        return Outcome(
            "rejected",
            sid,
            obj,
            archive_key=archive_key if movable else obj.key,
            route=attempt.route,
            source_id=attempt.manifest.source_id if attempt.manifest else None,
            report_key=report_key,
            report=report,
        )

    def _report(self, attempt: _Attempt, rejection: Rejection, archive_key: str) -> dict[str, Any]:
        details = dict(rejection.details)
        manifest = attempt.manifest.as_json() if attempt.manifest else details.pop("manifest", None)
        return {
            "reportVersion": REPORT_VERSION,
            "submission_id": attempt.sid,
            "rejected_at": self.now().isoformat(),
            "rule": rejection.rule,
            "message": rejection.message,
            "fix": rejection.fix,
            "details": details,
            "archive": {
                "bucket": attempt.obj.bucket,
                "original_key": attempt.obj.key,
                "version_id": attempt.obj.version_id,
                "etag": _clean_etag(attempt.obj.etag),
                "quarantined_key": archive_key,
            },
            "manifest": manifest,
            "route": attempt.route.describe() if attempt.route else None,
            "files": attempt.files,
        }

    def _notify(self, report: dict[str, Any]) -> None:
        topic = self.settings.failure_topic_arn
        if not topic:
            return
        self.clients.sns.publish(
            TopicArn=topic,
            Subject=f"dorc submission rejected: {report['rule']}"[:100],
            Message=json.dumps(report, indent=2),
        )


# -- checks on the extracted files -----------------------------------------------------------------
def _split_manifest(extracted: list[ExtractedFile]) -> tuple[ExtractedFile, list[ExtractedFile]]:
    """``manifest.json`` at the top, or inside the archive's single top folder (stripped)."""
    by_name = {f.name: f for f in extracted}
    prefix = ""
    if MANIFEST_NAME not in by_name:
        tops = {f.name.split("/", 1)[0] for f in extracted}
        nested = f"{next(iter(tops))}/" if len(tops) == 1 else ""
        if not nested or f"{nested}{MANIFEST_NAME}" not in by_name:
            raise Rejection(
                "manifest.missing",
                f"The archive has no {MANIFEST_NAME} at its top level.",
                f"add a {MANIFEST_NAME} (schema: manifest.schema.json)",
                files=sorted(by_name),
            )
        prefix = nested
    manifest = by_name[f"{prefix}{MANIFEST_NAME}"]
    data = [
        ExtractedFile(f.name[len(prefix) :], f.path, f.size) for f in extracted if f is not manifest
    ]
    return manifest, data


def _check_required(route: Route, files: list[ExtractedFile]) -> None:
    names = [f.name for f in files]
    for pattern in route.required_files:
        if not any(re.search(pattern, n) for n in names):
            raise Rejection(
                "route.required_file",
                f"No file matches the required pattern {pattern!r} of route {route.describe()}.",
                "add the file to the archive",
                pattern=pattern,
                files=names,
            )


def _run_validators(route: Route, files: list[ExtractedFile], manifest: Manifest) -> None:
    for validator in route.validators:
        try:
            check = resolve_callable(validator.check)
        except Exception as exc:
            raise Rejection(
                "route.validator_import",
                f"Validator {validator.check!r} cannot be imported ({type(exc).__name__}: {exc}).",
                "fix the route's validators in routes.py and resubmit",
                validator=validator.check,
            ) from None
        for f in files:
            if not re.search(validator.files, f.name):
                continue
            try:
                check(SubmittedFile(name=f.name, path=f.path, size=f.size, manifest=manifest))
            except Exception as exc:
                raise Rejection(
                    "route.validator",
                    f"{f.name} failed validator {validator.check}: {exc}",
                    "fix the file and resubmit",
                    validator=validator.check,
                    file=f.name,
                    error=f"{type(exc).__name__}: {exc}",
                ) from None


# -- the Lambda ----------------------------------------------------------------------------------
def settings_from_environment(environ: Mapping[str, str], invoked_function_arn: str) -> DispatcherSettings:
    """What the deployed Lambda knows about itself: its environment variables and its own ARN."""
    missing = [v for v in (ENV_PROJECT, ENV_ENVIRONMENT, ENV_HOLDING_BUCKET) if not environ.get(v)]
    if missing:
        raise DorcError(f"The dispatcher needs the environment variables {', '.join(missing)}.", "redeploy the infra stack")
    arn = invoked_function_arn.split(":")
    return DispatcherSettings(
        naming=Naming(environ[ENV_PROJECT], environ[ENV_ENVIRONMENT]),
        region=environ.get("AWS_REGION") or arn[3],
        account=arn[4],
        holding_bucket=environ[ENV_HOLDING_BUCKET],
        failure_topic_arn=environ.get(ENV_FAILURE_TOPIC) or None,
    )


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
