"""The checks on an extracted archive: where its manifest is, which route it takes, what it must hold."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .archive import ExtractedFile
from .exceptions import Rejection
from .limits import Limits, exceeded
from .manifest import MANIFEST_NAME, Manifest, parse_manifest
from .routes import Route, RouteTable


def split_manifest(extracted: Sequence[ExtractedFile]) -> tuple[ExtractedFile, list[ExtractedFile]]:
    """``manifest.json`` at the top, or inside the archive's single top folder (stripped)."""
    by_name = {f.name: f for f in extracted}
    prefix = ""
    if MANIFEST_NAME not in by_name:
        tops = {f.name.split("/", 1)[0] for f in extracted}
        nested = f"{next(iter(tops))}/" if len(tops) == 1 else ""
        if not nested or f"{nested}{MANIFEST_NAME}" not in by_name:
            raise Rejection(
                "manifest.missing",
                f"The archive has no {MANIFEST_NAME} at its top level or in its single top folder.",
                f"add a {MANIFEST_NAME} (schema: manifest.schema.json)",
                files=sorted(by_name),
            )
        prefix = nested
    manifest = by_name[f"{prefix}{MANIFEST_NAME}"]
    data = [ExtractedFile(f.name[len(prefix) :], f.path, f.size) for f in extracted if f is not manifest]
    return manifest, data


def read_manifest(manifest_file: ExtractedFile, archive_name: str, limits: Limits) -> Manifest:
    if manifest_file.size > limits.max_manifest_bytes:  # refused before it is read into memory
        raise exceeded(limits, "max_manifest_bytes", f"{MANIFEST_NAME} is {manifest_file.size} bytes")
    return parse_manifest(manifest_file.path.read_bytes(), archive_name, limits)


def find_route(table: RouteTable, manifest: Manifest) -> Route:
    route = table.match(manifest.source_id)
    if route is None:
        raise Rejection(
            "route.unknown_source_id",
            f"No route matches source_id {manifest.source_id!r}.",
            "fix the manifest's source_id or add a route with 'invoke new-route'",
        )
    return route


def check_required(route: Route, files: Sequence[ExtractedFile]) -> None:
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
