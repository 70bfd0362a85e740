"""Safe, streaming extraction of ``.tar``, ``.tar.gz``/``.tgz`` and ``.zip`` archives.

Nothing is trusted: every member name is checked before anything is written (no absolute paths,
no ``..``, no backslashes), only regular files and folders are accepted (symlinks, hard links,
devices and FIFOs are refused), files are created exclusively (a duplicate name is refused) and the
:class:`~.limits.Limits` on file count, extracted bytes and compression ratio are enforced while
bytes are copied, not from the sizes headers claim. Memory stays at one ``chunk_bytes`` buffer.

Tar archives are read as a stream (``tarfile`` mode ``r|*``), straight from the S3 body. A zip's
directory is at its end, so zips need random access: the body is spooled to a temporary file first
(one sequential GET, bounded memory, disk bounded by ``max_archive_bytes``). Ranged GETs would avoid
the disk but cost one request per seek, and ``zipfile`` seeks for every member.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal

from .exceptions import Rejection
from .limits import Limits

ArchiveKind = Literal["tar", "zip"]
SUFFIXES: dict[str, ArchiveKind] = {".tar": "tar", ".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}


def archive_kind(key: str) -> ArchiveKind:
    lowered = key.lower()
    for suffix, kind in sorted(SUFFIXES.items(), key=lambda item: -len(item[0])):
        if lowered.endswith(suffix):
            return kind
    raise Rejection(
        "archive.type",
        f"{PurePosixPath(key).name!r} is not a supported archive.",
        f"submit a {', '.join(SUFFIXES)} file",
    )


class HashingReader:
    """Wraps a readable stream: counts and SHA-256-hashes every byte read through it."""

    def __init__(self, raw: BinaryIO, chunk_bytes: int = 1024 * 1024) -> None:
        self._raw = raw
        self._chunk = chunk_bytes
        self._hash = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size if size is not None and size >= 0 else self._chunk)
        self._hash.update(data)
        self.bytes_read += len(data)
        return data

    def drain(self) -> None:
        """Read what is left, so the hash covers the whole object."""
        while self.read(self._chunk):
            pass

    @property
    def sha256_b64(self) -> str:
        """The digest in the form S3 reports as ``ChecksumSHA256``."""
        return base64.b64encode(self._hash.digest()).decode()


@dataclass(frozen=True)
class ExtractedFile:
    name: str  # relative POSIX path inside the archive, normalised
    path: Path
    size: int


@dataclass
class _Budget:
    limits: Limits
    source: HashingReader
    files: list[ExtractedFile] = field(default_factory=list)
    total: int = 0

    def admit_file(self, name: str) -> None:
        if len(self.files) >= self.limits.max_files:
            raise Rejection(
                "archive.too_many_files",
                f"The archive has more than {self.limits.max_files} files.",
                "split the submission or raise LIMITS.max_files in routes.py",
                limit=self.limits.max_files,
            )

    def check_declared(self, name: str, size: int, compressed: int) -> None:
        """Refuse a member whose header already admits to a bomb, before reading it."""
        if size > self.limits.max_total_bytes - self.total:
            self.add(size, name)
        if size > self.limits.ratio_grace_bytes and size / max(compressed, 1) > self.limits.max_ratio:
            raise self._bomb(name)

    def _bomb(self, name: str) -> Rejection:
        return Rejection(
            "archive.compression_ratio",
            f"The archive expands more than {self.limits.max_ratio:g} times (at {name!r}): a compression bomb.",
            "submit the data without extreme compression or raise LIMITS.max_ratio in routes.py",
            limit=self.limits.max_ratio,
        )

    def add(self, count: int, name: str) -> None:
        self.total += count
        if self.total > self.limits.max_total_bytes:
            raise Rejection(
                "archive.too_large",
                f"The extracted files exceed {self.limits.max_total_bytes} bytes (at {name!r}).",
                "split the submission or raise LIMITS.max_total_bytes in routes.py",
                limit=self.limits.max_total_bytes,
            )
        read = max(self.source.bytes_read, 1)
        if self.total > self.limits.ratio_grace_bytes and self.total / read > self.limits.max_ratio:
            raise self._bomb(name)


def safe_name(raw: str) -> str:
    """The normalised relative path of a member, or a :class:`Rejection` naming the rule broken."""
    if not raw or "\x00" in raw or "\\" in raw:
        raise Rejection("archive.unsafe_path", f"The archive has an unsafe member name {raw!r}.")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise Rejection(
            "archive.absolute_path", f"The archive member {raw!r} has an absolute path.", "use relative paths"
        )
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise Rejection(
            "archive.parent_path", f"The archive member {raw!r} climbs out with '..'.", "use relative paths"
        )
    if not parts:
        raise Rejection("archive.unsafe_path", f"The archive has an unsafe member name {raw!r}.")
    return "/".join(parts)


def _copy(src: BinaryIO, name: str, dest: Path, budget: _Budget) -> ExtractedFile:
    budget.admit_file(name)
    target = dest.joinpath(*name.split("/"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("xb")  # exclusive: a second member with the same name is refused
    except (FileExistsError, NotADirectoryError, IsADirectoryError):
        raise Rejection(
            "archive.duplicate_name", f"The archive has more than one member named {name!r}."
        ) from None
    size = 0
    with out:
        while chunk := src.read(budget.limits.chunk_bytes):
            size += len(chunk)
            budget.add(len(chunk), name)
            out.write(chunk)
    extracted = ExtractedFile(name=name, path=target, size=size)
    budget.files.append(extracted)
    return extracted


def _refuse_type(name: str, what: str, rule: str) -> Rejection:
    return Rejection(rule, f"The archive member {name!r} is a {what}; only regular files are accepted.", member=name)


def _tar_members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (member := tar.next()) is not None:
        yield member


def _extract_tar(source: HashingReader, dest: Path, budget: _Budget) -> None:
    with tarfile.open(fileobj=source, mode="r|*", bufsize=budget.limits.chunk_bytes) as tar:  # type: ignore[call-overload]
        for member in _tar_members(tar):
            name = safe_name(member.name)
            if member.issym():
                raise _refuse_type(name, "symbolic link", "archive.symlink")
            if member.islnk():
                raise _refuse_type(name, "hard link", "archive.hardlink")
            if member.isdev():
                raise _refuse_type(name, "device or FIFO", "archive.special_file")
            if member.isdir():
                continue
            if not member.isreg():
                raise _refuse_type(name, f"special member (type {member.type!r})", "archive.special_file")
            if member.size > budget.limits.max_total_bytes - budget.total:
                budget.add(member.size, name)  # refuse before reading a byte of it
            stream = tar.extractfile(member)
            assert stream is not None  # regular files always have data
            _copy(stream, name, dest, budget)


def _zip_member_type(info: zipfile.ZipInfo) -> int:
    return stat.S_IFMT(info.external_attr >> 16)


def _extract_zip(source: HashingReader, dest: Path, budget: _Budget) -> None:
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(source, spool, budget.limits.chunk_bytes)
        spool.seek(0)
        with zipfile.ZipFile(spool) as archive:
            for info in archive.infolist():
                name = safe_name(info.filename)
                kind = _zip_member_type(info)
                if kind == stat.S_IFLNK:
                    raise _refuse_type(name, "symbolic link", "archive.symlink")
                if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise _refuse_type(name, "device or FIFO", "archive.special_file")
                if info.is_dir() or kind == stat.S_IFDIR:
                    continue
                if info.flag_bits & 0x1:
                    raise Rejection("archive.encrypted", f"The archive member {name!r} is encrypted.")
                budget.check_declared(name, info.file_size, info.compress_size)
                with archive.open(info) as stream:
                    _copy(stream, name, dest, budget)


def extract(source: HashingReader, kind: ArchiveKind, dest: Path, limits: Limits) -> list[ExtractedFile]:
    """Extract ``source`` into the empty folder ``dest``; refuse (``Rejection``) at the first problem."""
    budget = _Budget(limits=limits, source=source)
    try:
        if kind == "zip":
            _extract_zip(source, dest, budget)
        else:
            _extract_tar(source, dest, budget)
    except Rejection:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise Rejection(
            "archive.corrupt",
            f"The archive cannot be read ({type(exc).__name__}: {exc}).",
            "check the file is a complete .tar, .tar.gz or .zip",
        ) from None
    return budget.files
