"""The submissions bucket as the dispatcher uses it: read an archive, copy it verified, delete it.

Every move is copy-then-verify-then-delete: ``CopyObject`` with ``ChecksumAlgorithm=SHA256``, then
``HeadObject`` and a comparison of the copy's ``ChecksumSHA256`` with the digest of the bytes the
dispatcher read; only then is **that version** of the original deleted (a newer upload to the same
key is left alone). A copy that is already there and verified is not made again, so a retry after
a crash leaves one copy, not one more version per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DorcError
from .events import IncomingObject

NOT_FOUND = ("404", "NoSuchKey", "NotFound", "NoSuchVersion")


class CopyNotVerified(DorcError):
    """A copied archive does not match the original: the original is kept and the event retried."""


def error_code(exc: Exception) -> str | None:
    return getattr(exc, "response", {}).get("Error", {}).get("Code")


@dataclass(frozen=True)
class ArchiveStore:
    s3: Any

    def get(self, obj: IncomingObject) -> dict[str, Any]:
        kwargs = {"VersionId": obj.version_id} if obj.version_id else {}
        return self.s3.get_object(Bucket=obj.bucket, Key=obj.key, **kwargs)

    def head(self, bucket: str, key: str, **kwargs: Any) -> dict[str, Any] | None:
        try:
            return self.s3.head_object(Bucket=bucket, Key=key, **kwargs)
        except self.s3.exceptions.ClientError as exc:
            if error_code(exc) in NOT_FOUND:
                return None
            raise

    def exists(self, bucket: str, key: str) -> bool:
        return self.head(bucket, key) is not None

    def copy_verified(self, obj: IncomingObject, dest_key: str, sha256_b64: str) -> None:
        """Copy with a SHA-256 checksum and check it against the bytes that were read."""
        existing = self.head(obj.bucket, dest_key, ChecksumMode="ENABLED")
        if existing is not None and existing.get("ChecksumSHA256") == sha256_b64:
            return  # copied by an attempt that crashed later
        source = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id:
            source["VersionId"] = obj.version_id
        self.s3.copy_object(Bucket=obj.bucket, Key=dest_key, CopySource=source, ChecksumAlgorithm="SHA256")
        head = self.head(obj.bucket, dest_key, ChecksumMode="ENABLED") or {}
        if head.get("ChecksumSHA256") != sha256_b64:
            raise CopyNotVerified(
                f"The copy s3://{obj.bucket}/{dest_key} does not match s3://{obj.bucket}/{obj.key}; "
                "the original was kept.",
                "the event will be retried",
            )

    def delete_original(self, obj: IncomingObject) -> None:
        # exactly the processed version: a newer upload to the same key is left alone
        kwargs = {"VersionId": obj.version_id} if obj.version_id else {}
        self.s3.delete_object(Bucket=obj.bucket, Key=obj.key, **kwargs)

    def move(self, obj: IncomingObject, dest_key: str, sha256_b64: str) -> None:
        self.copy_verified(obj, dest_key, sha256_b64)
        self.delete_original(obj)
