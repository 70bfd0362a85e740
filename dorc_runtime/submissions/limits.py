"""How much an archive may hold: inert, validated, overridable per project (``LIMITS`` in routes.py).

Every limit is enforced while the archive is read, before whatever it bounds is accumulated, and
breaking one quarantines the archive with the rule named here (``RULES``) and the limit's value.
Together they keep the dispatcher's memory at a few chunk buffers plus bounded metadata whatever
the archive holds (docs/submissions.md, "Limits").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .exceptions import Rejection

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# One CopyObject copies at most 5 GiB; the dispatcher moves archives with it, so larger ones are refused.
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
COPY_OBJECT_MAX = 5 * GIB

# An S3 object key is at most 1024 bytes of UTF-8
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). Staged files are keyed
# 'submissions/<source_id: 128>/<submission id: 57>/<name>', which leaves a name about 820 bytes.
S3_KEY_MAX_BYTES = 1024
# NAME_MAX of Linux file systems (ext4, xfs, tmpfs): one path component, in bytes.
COMPONENT_MAX_BYTES = 255
# Each tar member costs a 512-byte header and up to 511 bytes of padding besides its data.
TAR_MEMBER_OVERHEAD = 1024


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_archive_bytes: int = Field(default=1 * GIB, ge=1, le=COPY_OBJECT_MAX, description="size of the archive itself")
    max_total_bytes: int = Field(default=4 * GIB, ge=1, description="sum of the extracted files' sizes")
    max_files: int = Field(default=10_000, ge=1, description="regular files in the archive")
    max_members: int = Field(
        default=20_000, ge=1, description="entries of any kind (files, folders, links): each costs memory and time"
    )
    max_ratio: float = Field(default=100.0, gt=1, description="extracted bytes per archive byte")
    # Small archives compress absurdly well (a tar pads each file to 512 bytes with zeros), so the
    # ratio is only enforced once this much has been extracted: bombs are large by definition.
    ratio_grace_bytes: int = Field(default=16 * MIB, ge=0)
    max_name_bytes: int = Field(
        default=512, ge=16, le=820, description="a member's path inside the archive, UTF-8 bytes (becomes an S3 key)"
    )
    max_header_bytes: int = Field(
        default=64 * KIB, ge=KIB, description="one extended tar header: a PAX record set, a GNU long name or link"
    )
    max_metadata_bytes: int = Field(
        default=4 * MIB, ge=64 * KIB, description="all extended tar headers together, or a zip's central directory"
    )
    max_manifest_bytes: int = Field(default=1 * MIB, ge=1 * KIB, description="size of manifest.json")
    max_manifest_depth: int = Field(default=32, ge=2, le=500, description="nesting of arrays and objects in manifest.json")
    chunk_bytes: int = Field(default=1 * MIB, ge=4 * KIB, description="memory used per read")

    @property
    def max_stream_bytes(self) -> int:
        """Decompressed bytes a tar stream may hold: the files, the extended headers and, per member,
        a header block and padding. Counting the stream (not only the files) bounds the work spent
        on bytes tar skips, such as the declared size of a folder."""
        return self.max_total_bytes + self.max_metadata_bytes + self.max_members * TAR_MEMBER_OVERHEAD


# The rule each limit enforces, as named in reports and in docs/submissions.md.
RULES: dict[str, str] = {
    "max_archive_bytes": "archive.too_large",
    "max_total_bytes": "archive.too_large",
    "max_files": "archive.too_many_files",
    "max_members": "archive.too_many_members",
    "max_ratio": "archive.compression_ratio",
    "max_name_bytes": "archive.name_too_long",
    "max_header_bytes": "archive.header_too_large",
    "max_metadata_bytes": "archive.metadata_too_large",
    "max_manifest_bytes": "manifest.too_large",
    "max_manifest_depth": "manifest.too_deep",
}


def exceeded(limits: Limits, name: str, message: str, **details: object) -> Rejection:
    """The rejection for breaking limit ``name``: its rule, its value, and how to get past it."""
    value = getattr(limits, name)
    return Rejection(
        RULES[name],
        f"{message} (limit {name}={value:g}).",
        f"split or simplify the submission, or raise LIMITS.{name} in routes.py",
        limit=name,
        value=value,
        **details,
    )
