"""The failure report (``failed/<id>/report.json``) and the notification that points to it.

Both are bounded whatever the archive held: strings are cut to ``MAX_STRING`` characters, lists and
objects to ``MAX_ITEMS`` entries, nesting to ``MAX_DEPTH``, each cut saying how much was left out;
a report still over ``MAX_REPORT_BYTES`` loses its details. The notification is a short summary
with the report's S3 location, far below SNS's limit: "the maximum message size is 262,144 bytes
(256 KB)" (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). Building the report never
fails: whatever a detail holds is rendered with ``str``, and a failure while building falls back to
a minimal report, so an archive always ends in ``failed/`` with a report.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .exceptions import Rejection
from .identity import clean_etag

REPORT_VERSION = 2
SNS_MAX_MESSAGE_BYTES = 262_144
SNS_MAX_SUBJECT = 100
MAX_STRING = 1_000
MAX_ITEMS = 100
MAX_DEPTH = 6
MAX_REPORT_BYTES = 200_000
MAX_SUMMARY_STRING = 2_000


def bounded(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data of bounded size; every cut says how much it left out."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "... (nested too deeply: left out)"
    if isinstance(value, dict):
        items = list(value.items())
        out = {str(k)[:MAX_STRING]: bounded(v, depth + 1) for k, v in items[:MAX_ITEMS]}
        if len(items) > MAX_ITEMS:
            out["..."] = f"{len(items) - MAX_ITEMS} more entries left out"
        return out
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        out_list = [bounded(v, depth + 1) for v in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            out_list.append(f"... {len(items) - MAX_ITEMS} more left out")
        return out_list
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_STRING:
        return f"{text[:MAX_STRING]}... ({len(text) - MAX_STRING} more characters left out)"
    return text


def unexpected(exc: BaseException) -> Rejection:
    """Any failure nothing foresaw while checking an archive still quarantines it, under this rule."""
    return Rejection(
        "dispatcher.unexpected_error",
        f"Checking the archive failed unexpectedly ({type(exc).__name__}: {str(exc)[:MAX_STRING]}).",
        "the archive was kept in failed/; tell the data team, who can resubmit it once fixed",
        error=type(exc).__name__,
    )


def build_report(
    *,
    submission_id: str,
    rejected_at: datetime,
    rejection: Rejection,
    archive: dict[str, Any],
    manifest: Any,
    route: str | None,
    files: list[str],
    details: dict[str, Any],
) -> dict[str, Any]:
    report = {
        "reportVersion": REPORT_VERSION,
        "submission_id": submission_id,
        "rejected_at": rejected_at.isoformat(),
        "rule": rejection.rule,
        "message": bounded(rejection.message),
        "fix": bounded(rejection.fix),
        "details": bounded(details),
        "archive": bounded(archive),
        "manifest": bounded(manifest),
        "route": route,
        "files": bounded(files),
        "file_count": len(files),
    }
    if len(encode(report)) > MAX_REPORT_BYTES:
        left_out = "left out: the report would exceed its size limit"
        report.update(details=left_out, manifest=left_out, files=bounded(files[:10]))
    return report


def minimal_report(submission_id: str, rejected_at: datetime, rejection: Rejection, archive: dict[str, Any], why: Exception) -> dict[str, Any]:
    """What is certain when building the full report failed."""
    return {
        "reportVersion": REPORT_VERSION,
        "submission_id": submission_id,
        "rejected_at": rejected_at.isoformat(),
        "rule": rejection.rule,
        "message": str(rejection.message)[:MAX_STRING],
        "fix": str(rejection.fix)[:MAX_STRING],
        "details": f"left out: building the full report failed ({type(why).__name__})",
        "archive": {k: str(v)[:MAX_STRING] for k, v in archive.items()},
    }


def archive_section(bucket: str, key: str, version_id: str | None, etag: str | None, quarantined_key: str) -> dict[str, Any]:
    return {
        "bucket": bucket,
        "original_key": key,
        "version_id": version_id,
        "etag": clean_etag(etag),
        "quarantined_key": quarantined_key,
    }


def encode(report: dict[str, Any]) -> bytes:
    return json.dumps(report, indent=2, default=str).encode()


def notification(report: dict[str, Any], report_uri: str) -> tuple[str, str]:
    """(subject, message) for the failure topic: a summary and where the whole report is."""
    archive = report.get("archive", {})
    summary = {
        "summary": f"Submission {report['submission_id']} was rejected: {report['rule']}.",
        "submission_id": report["submission_id"],
        "rule": report["rule"],
        "message": str(report.get("message"))[:MAX_SUMMARY_STRING],
        "fix": str(report.get("fix"))[:MAX_SUMMARY_STRING],
        "archive": f"s3://{archive.get('bucket')}/{archive.get('quarantined_key')}",
        "report": report_uri,
        "route": report.get("route"),
    }
    message = json.dumps(summary, indent=2, default=str)
    assert len(message.encode()) < SNS_MAX_MESSAGE_BYTES  # every field above is bounded
    return f"dorc submission rejected: {report['rule']}"[:SNS_MAX_SUBJECT], message
