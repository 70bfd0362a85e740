"""Which submission an object version is: a readable, deterministic id."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from .events import IncomingObject


def clean_etag(etag: str | None) -> str:
    return (etag or "").strip('"')


def submission_id(obj: IncomingObject) -> str:
    """Readable and deterministic: '<archive stem>-<16 hex of bucket/key/version/etag>'.

    It names the Step Functions execution, so it keeps to [A-Za-z0-9_-] and 80 characters."""
    identity = "\n".join([obj.bucket, obj.key, obj.version_id or "null", clean_etag(obj.etag)])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    stem = PurePosixPath(obj.key).name.split(".")[0]
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:40] or "submission"
    return f"{readable}-{digest}"
