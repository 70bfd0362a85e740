"""Builders for valid, hostile and broken archives (bytes in memory; small and fast)."""

from __future__ import annotations

import gzip
import io
import json
import stat
import tarfile
import zipfile

MANIFEST = {
    "manifestVersion": 1,
    "source_id": "census_2021_v1",
    "fileAuthorEmail": "ann@example.org",
    "fileAuthorUsername": "ann",
}
DATA = b"area,count\nE01,12\nE02,7\n"


def manifest_bytes(**changes: object) -> bytes:
    data = {**MANIFEST, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


def tar_bytes(members: list[tarfile.TarInfo | tuple[str, bytes]], compress: bool = False) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compress else "w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(members: list[tuple[str, bytes] | zipfile.ZipInfo], data_for_info: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            if isinstance(member, zipfile.ZipInfo):
                archive.writestr(member, data_for_info)
            else:
                archive.writestr(member[0], member[1])
    return buffer.getvalue()


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def zip_symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def valid_members(manifest: bytes | None = None) -> list[tuple[str, bytes]]:
    return [("manifest.json", manifest or manifest_bytes()), ("data.csv", DATA)]


def hostile_archives() -> dict[str, tuple[str, bytes, str]]:
    """name -> (archive file name, bytes, the rule the report must name)."""
    zeros = b"\0" * (8 * 1024 * 1024)
    return {
        "path traversal": ("t.tar", tar_bytes([*valid_members(), ("../escape.txt", b"x")]), "archive.parent_path"),
        "absolute path": ("t.tar", tar_bytes([*valid_members(), ("/etc/cron.d/evil", b"x")]), "archive.absolute_path"),
        "symlink": ("t.tar", tar_bytes([*valid_members(), special("link", tarfile.SYMTYPE, "/etc/passwd")]), "archive.symlink"),
        "hard link": ("t.tar", tar_bytes([*valid_members(), special("hard", tarfile.LNKTYPE, "data.csv")]), "archive.hardlink"),
        "device file": ("t.tar", tar_bytes([*valid_members(), special("dev", tarfile.CHRTYPE)]), "archive.special_file"),
        "fifo": ("t.tar", tar_bytes([*valid_members(), special("fifo", tarfile.FIFOTYPE)]), "archive.special_file"),
        "zip symlink": ("t.zip", zip_bytes([*valid_members(), zip_symlink("link")], b"/etc/passwd"), "archive.symlink"),
        "zip traversal": ("t.zip", zip_bytes([*valid_members(), ("../../escape", b"x")]), "archive.parent_path"),
        "tar.gz bomb": ("t.tar.gz", tar_bytes([*valid_members(), ("zeros.bin", zeros)], compress=True), "archive.compression_ratio"),
        "zip bomb": ("t.zip", zip_bytes([*valid_members(), ("zeros.bin", zeros)]), "archive.compression_ratio"),
        "too many files": ("t.tar", tar_bytes([*valid_members(), *[(f"f{i}.csv", b"1") for i in range(5)]]), "archive.too_many_files"),
        "duplicate name": ("t.tar", tar_bytes([*valid_members(), ("data.csv", b"again")]), "archive.duplicate_name"),
        "corrupt gzip": ("t.tar.gz", gzip.compress(tar_bytes(valid_members()))[:-40] + b"garbage", "archive.corrupt"),
        "truncated tar": ("t.tar", tar_bytes(valid_members())[:700], "archive.corrupt"),
        "not an archive": ("t.zip", b"this is not a zip file at all", "archive.corrupt"),
        "unsupported type": ("t.rar", b"Rar!\x1a\x07\x00", "archive.type"),
        "missing manifest": ("t.tar", tar_bytes([("data.csv", DATA)]), "manifest.missing"),
        "manifest not json": ("t.tar", tar_bytes(valid_members(b"{not json")), "manifest.invalid_json"),
        "manifest failing schema": ("t.tar", tar_bytes(valid_members(manifest_bytes(fileAuthorEmail=None))), "manifest.schema"),
        "unknown source_id": ("t.tar", tar_bytes(valid_members(manifest_bytes(source_id="unknown_v9"))), "route.unknown_source_id"),
        "missing required file": ("t.tar", tar_bytes([("manifest.json", manifest_bytes()), ("other.csv", DATA)]), "route.required_file"),
        "failing validator": ("t.tar", tar_bytes([("manifest.json", manifest_bytes()), ("data.csv", b"")]), "route.validator"),
    }
