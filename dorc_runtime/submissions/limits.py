"""How much an archive may hold: inert, validated, overridable per project (``LIMITS`` in routes.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# One CopyObject copies at most 5 GiB; the dispatcher moves archives with it, so larger ones are refused.
COPY_OBJECT_MAX = 5 * GIB


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_archive_bytes: int = Field(default=1 * GIB, ge=1, le=COPY_OBJECT_MAX, description="size of the archive itself")
    max_total_bytes: int = Field(default=4 * GIB, ge=1, description="sum of the extracted files' sizes")
    max_files: int = Field(default=10_000, ge=1, description="regular files in the archive")
    max_ratio: float = Field(default=100.0, gt=1, description="extracted bytes per archive byte")
    # Small archives compress absurdly well (a tar pads each file to 512 bytes with zeros), so the
    # ratio is only enforced once this much has been extracted: bombs are large by definition.
    ratio_grace_bytes: int = Field(default=16 * MIB, ge=0)
    chunk_bytes: int = Field(default=1 * MIB, ge=4 * KIB, description="memory used per read")
