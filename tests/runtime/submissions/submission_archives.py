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
        **bounded_reading_archives(),
        **corrupt_archives(),
    }


def bounded_reading_archives() -> dict[str, tuple[str, bytes, str]]:
    """Archives that break a limit of TEST_LIMITS (conftest) while being read."""
    big_pax = pax_record("comment", "a" * 10_000)
    small_pax = pax_record("comment", "a")
    global_pax = pax_record("comment", "g" * 7_000)
    folder_hiding_zeros = header("folder/", 32 * 1024 * 1024, tarfile.DIRTYPE) + b"\0" * (32 * 1024 * 1024)
    commented = []
    for n in range(2):
        info = zipfile.ZipInfo(f"c{n}.csv")
        info.comment = b"c" * 60_000
        commented.append(info)
    return {
        "pax header over the limit": (
            "t.tar", raw_tar(extended(tarfile.XHDTYPE, big_pax), *valid_blocks()), "archive.header_too_large"),
        "GNU long name over the limit": (
            "t.tar", raw_tar(extended(tarfile.GNUTYPE_LONGNAME, b"n" * 10_000), member("x", b"1"), *valid_blocks()),
            "archive.header_too_large"),
        "GNU long link over the limit": (
            "t.tar", raw_tar(extended(tarfile.GNUTYPE_LONGLINK, b"l" * 10_000), member("x", b"1"), *valid_blocks()),
            "archive.header_too_large"),
        "chained extended headers": (
            "t.tar", raw_tar(*[extended(tarfile.XHDTYPE, small_pax)] * 6, *valid_blocks()), "archive.header_too_large"),
        "extended headers over their total": (
            "t.tar",
            raw_tar(*[extended(tarfile.XGLTYPE, global_pax)] * 4, header("a/", 0, tarfile.DIRTYPE),
                    *[extended(tarfile.XGLTYPE, global_pax)] * 4, header("b/", 0, tarfile.DIRTYPE),
                    *[extended(tarfile.XGLTYPE, global_pax)] * 4, *valid_blocks()),
            "archive.metadata_too_large"),
        "member name over the limit": (
            "t.tar", tar_bytes([*valid_members(), ("d/" * 70 + "x.csv", b"1")]), "archive.name_too_long"),
        "too many members": (
            "t.tar", tar_bytes([*[special(f"dir{i}", tarfile.DIRTYPE) for i in range(9)], *valid_members()]),
            "archive.too_many_members"),
        "GNU sparse file": ("t.tar", raw_tar(header("s.csv", 0, tarfile.GNUTYPE_SPARSE), *valid_blocks()), "archive.special_file"),
        "PAX sparse file": (
            "t.tar",
            raw_tar(extended(tarfile.XHDTYPE, b"".join(pax_record(k, v) for k, v in
                    [("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "s.csv"),
                     ("GNU.sparse.realsize", "1000000")])), member("s", padded(b"1\n0\n1000\n")), *valid_blocks()),
            "archive.special_file"),
        "tar.gz folder hiding a bomb": (
            "t.tar.gz", gzip.compress(raw_tar(*valid_blocks(), folder_hiding_zeros), 1), "archive.compression_ratio"),
        "zip directory over the members limit": (
            "t.zip", zip_bytes([*valid_members(), *[(f"f{i}.csv", b"1") for i in range(7)]]), "archive.too_many_members"),
        "zip central directory over the limit": ("t.zip", zip_bytes([*valid_members(), *commented]), "archive.metadata_too_large"),
        "manifest nested too deep": ("t.tar", tar_bytes(valid_members(b"[" * 1000 + b"]" * 1000)), "manifest.too_deep"),
        "manifest over its size": (
            "t.tar", tar_bytes(valid_members(manifest_bytes(title="t" * 5000))), "manifest.too_large"),
        "zip name with a drive": ("t.zip", zip_bytes([*valid_members(), ("C:/x.csv", b"1")]), "archive.absolute_path"),
        "control character in a name": ("t.tar", tar_bytes([*valid_members(), ("a\nb.csv", b"1")]), "archive.unsafe_path"),
    }


def corrupt_archives() -> dict[str, tuple[str, bytes, str]]:
    tar = tar_bytes(valid_members())
    damaged = bytearray(tar)
    second_header = BLOCK + len(padded(manifest_bytes()))
    damaged[second_header] ^= 0xFF  # its name changes, its checksum no longer matches
    return {
        "tar truncated at a member boundary": ("t.tar", raw_tar(*valid_blocks(), end=False), "archive.corrupt"),
        "tar with a damaged second header": ("t.tar", bytes(damaged), "archive.corrupt"),
        "tar.gz truncated": ("t.tar.gz", gzip.compress(tar)[: len(gzip.compress(tar)) // 2], "archive.corrupt"),
        "zip truncated": ("t.zip", zip_bytes(valid_members())[:-30], "archive.corrupt"),
        "empty tar.gz": ("t.tar.gz", b"", "archive.corrupt"),
        "empty zip": ("t.zip", b"", "archive.corrupt"),
    }


# -- raw tar blocks, for archives tarfile would refuse to write (or write only in memory) ----------
BLOCK = 512
END_OF_TAR = b"\0" * (2 * BLOCK)


def header(name: str, size: int, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> bytes:
    """One ustar header block that declares ``size`` bytes of data, whatever follows it."""
    info = tarfile.TarInfo(name)
    info.size, info.type, info.linkname = size, kind, linkname
    return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")


def padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % BLOCK)


def pax_record(key: str, value: str) -> bytes:
    """A PAX 'length key=value\\n' record (its length counts its own digits)."""
    body = f" {key}={value}\n".encode()
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length += 1
    return str(length).encode() + body


def member(name: str, data: bytes) -> bytes:
    return header(name, len(data)) + padded(data)


def extended(kind: bytes, payload: bytes) -> bytes:
    name = "././@LongLink" if kind in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK) else "././@PaxHeader"
    return header(name, len(payload), kind) + padded(payload)


def raw_tar(*blocks: bytes, end: bool = True) -> bytes:
    return b"".join(blocks) + (END_OF_TAR if end else b"")


def valid_blocks() -> list[bytes]:
    return [member(n, d) for n, d in valid_members()]
