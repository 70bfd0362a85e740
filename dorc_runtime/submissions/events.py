"""Which object an event is about: S3 "Object Created" via EventBridge, or an S3 notification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from ..errors import EventError

INCOMING_PREFIX = "incoming/"


@dataclass(frozen=True)
class IncomingObject:
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None


def objects_from_event(event: dict[str, Any]) -> list[IncomingObject]:
    """The objects named by an EventBridge S3 event or an S3 notification (``Records``)."""
    if "detail" in event:
        detail = event["detail"]
        obj = detail["object"]
        return [
            IncomingObject(
                bucket=detail["bucket"]["name"],
                key=obj["key"],
                version_id=obj.get("version-id"),
                etag=obj.get("etag"),
                size=obj.get("size"),
            )
        ]
    if "Records" in event:
        # S3 notifications URL-encode keys ('+' for spaces); EventBridge events do not
        return [
            IncomingObject(
                bucket=r["s3"]["bucket"]["name"],
                key=unquote_plus(r["s3"]["object"]["key"]),
                version_id=r["s3"]["object"].get("versionId"),
                etag=r["s3"]["object"].get("eTag"),
                size=r["s3"]["object"].get("size"),
            )
            for r in event["Records"]
        ]
    raise EventError("The event is neither an EventBridge S3 event nor an S3 notification.")


def eventbridge_event(bucket: str, key: str, version_id: str | None, etag: str | None, size: int) -> dict[str, Any]:
    """The event S3 sends EventBridge on Object Created (used by local submits and tests)."""
    obj: dict[str, Any] = {"key": key, "size": size, "etag": (etag or "").strip('"')}
    if version_id:
        obj["version-id"] = version_id
    return {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "detail": {"version": "0", "bucket": {"name": bucket}, "object": obj, "reason": "PutObject"},
    }
