"""``manifest.json``: what a supplier puts at the top of every archive to say what it is.

A versioned, inert pydantic model. Field names follow the statistics office's manifests
(``source_id`` snake case, everything else camelCase); Python code uses snake case through the
aliases. ``title`` and ``aliasName`` default to the archive's file name, which the model cannot know
by itself: :func:`parse_manifest` passes it in as validation context. ``manifest.schema.json`` beside
this module is exported from the model (``write_schema``) for suppliers; a test keeps it in sync.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from .exceptions import Rejection
from .limits import Limits, exceeded

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")
SCHEMA_ID = "https://dorc.dev/schemas/submissions/manifest.v1.json"
OGL_V3 = "Open Government Licence v3.0"
OGL_V3_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
# A JSON string, escapes included, removed before brackets are counted; an unterminated one runs
# to the end, so that every quote matches at once and the scan stays linear.
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
NOT_BRACKET = re.compile(rb"[^\[\]{}]+")

# source_id becomes part of S3 keys and Step Functions input: no '/', no '..', no spaces.
SOURCE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Manifest(BaseModel):
    """Version 1 of ``manifest.json``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="dorc submission manifest",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID},
    )

    manifest_version: Literal[1] = Field(alias="manifestVersion", description="Always 1 for this schema")
    source_id: str = Field(
        pattern=SOURCE_ID_PATTERN,
        description="Identifies the supplier's data set; routes match it with regular expressions",
    )
    file_author_email: str = Field(alias="fileAuthorEmail", pattern=EMAIL_PATTERN)
    file_author_username: str = Field(alias="fileAuthorUsername", min_length=1)
    is_publishable: bool = Field(default=False, alias="isPublishable")
    licence: str = Field(default=OGL_V3, min_length=1)
    licence_url: str = Field(default=OGL_V3_URL, alias="licenceUrl", pattern=r"^https?://\S+$")
    title: str | None = Field(default=None, description="Default: the archive's file name without extension")
    alias_name: str | None = Field(
        default=None, alias="aliasName", description="Default: the archive's file name"
    )

    @model_validator(mode="after")
    def _defaults_from_archive_name(self, info: ValidationInfo) -> Manifest:
        archive_name = (info.context or {}).get("archive_name")
        if archive_name:
            if self.title is None:
                object.__setattr__(self, "title", archive_stem(archive_name))
            if self.alias_name is None:
                object.__setattr__(self, "alias_name", archive_name)
        return self

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def archive_stem(name: str) -> str:
    """'census_2021_v1.tar.gz' -> 'census_2021_v1' (every archive suffix removed)."""
    stem = PurePosixPath(name).name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if stem.lower().endswith(suffix):
            return stem[: -len(suffix)]
    return PurePosixPath(stem).stem


def nesting_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in the JSON text ``raw``, found without parsing it.

    ``json.loads`` recurses once per level and raises ``RecursionError`` (not a JSON error) on
    deep input; counting brackets outside strings first keeps it from ever getting that far."""
    brackets = NOT_BRACKET.sub(b"", JSON_STRING.sub(b"", raw))
    steps = (1 if b in b"[{" else -1 for b in brackets)
    return max(accumulate(steps, initial=0))


def parse_manifest(raw: bytes, archive_name: str, limits: Limits | None = None) -> Manifest:
    """Validate the bytes of ``manifest.json``; any problem is a :class:`Rejection`."""
    limits = limits or Limits()
    if len(raw) > limits.max_manifest_bytes:
        raise exceeded(limits, "max_manifest_bytes", f"{MANIFEST_NAME} is {len(raw)} bytes")
    if (depth := nesting_depth(raw)) > limits.max_manifest_depth:
        raise exceeded(limits, "max_manifest_depth", f"{MANIFEST_NAME} nests {depth} levels deep")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejection(
            "manifest.invalid_json", f"{MANIFEST_NAME} is not valid UTF-8 JSON: {exc}.", "fix the file's syntax"
        ) from None
    try:
        return Manifest.model_validate(data, context={"archive_name": archive_name})
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()]
        raise Rejection(
            "manifest.schema",
            f"{MANIFEST_NAME} does not follow the manifest schema: {'; '.join(problems)}.",
            f"see {SCHEMA_ID}",
            problems=problems,
            manifest=data,
        ) from None


def manifest_schema() -> dict[str, Any]:
    return Manifest.model_json_schema(by_alias=True, mode="validation")


def schema_text() -> str:
    return json.dumps(manifest_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    path.write_text(schema_text(), encoding="utf-8")
    return path
