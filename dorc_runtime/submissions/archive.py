"""Safe, bounded, streaming extraction of ``.tar``, ``.tar.gz``/``.tgz`` and ``.zip`` archives.

Nothing is trusted: every member name is checked before anything is written
(:mod:`.member_names`), only regular files and folders are accepted (symlinks, hard links, devices,
FIFOs and sparse files are refused), files are created exclusively (a duplicate name is refused)
and every :class:`~.limits.Limits` is enforced while bytes are read, not from sizes headers claim:
tar metadata before ``tarfile`` reads it (:mod:`.tar_reader`), a zip's directory before
``zipfile`` reads it (:mod:`.zip_reader`), decompressed bytes and the ratio one chunk at a time
(:mod:`.streams`). Memory stays at a few ``chunk_bytes`` buffers plus bounded metadata.

Tar archives are read as a stream, straight from the S3 body. A zip's directory is at its end, so
zips need random access: the body is spooled to a temporary file first (one sequential GET, bounded
memory, disk bounded by ``max_archive_bytes``). Ranged GETs would avoid the disk but cost one
request per seek, and ``zipfile`` seeks for every member.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal

from .exceptions import Rejection
from .limits import Limits, exceeded
from .member_names import echo, member_path
from .streams import HashingReader, decompressed
from .tar_reader import corrupt, tar_members
from .zip_reader import check_directory

ArchiveKind = Literal["tar", "zip"]
SUFFIXES: dict[str, ArchiveKind] = {".tar": "tar", ".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}
# What the libraries raise on damaged input: tarfile, zipfile, gzip (BadGzipFile is an OSError,
# a truncated stream an EOFError), zlib; struct and Unicode errors from damaged headers.
CORRUPT_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


def archive_kind(key: str) -> ArchiveKind:
    lowered = key.lower()
    for suffix, kind in sorted(SUFFIXES.items(), key=lambda item: -len(item[0])):
        if lowered.endswith(suffix):
            return kind
    raise Rejection(
        "archive.type",
        f"{echo(PurePosixPath(key).name)} is not a supported archive.",
        f"submit a {', '.join(SUFFIXES)} file",
    )


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

    def admit_file(self) -> None:
        if len(self.files) >= self.limits.max_files:
            raise exceeded(self.limits, "max_files", f"The archive has more than {self.limits.max_files} files")

    def check_declared(self, name: str, size: int, compressed: int) -> None:
        """Refuse a member whose header already admits to a bomb, before reading it."""
        if size > self.limits.max_total_bytes - self.total:
            self.add(size, name)
        if size > self.limits.ratio_grace_bytes and size / max(compressed, 1) > self.limits.max_ratio:
            raise exceeded(self.limits, "max_ratio", f"The archive expands too much (at {echo(name)}): a compression bomb")

    def add(self, count: int, name: str) -> None:
        self.total += count
        limits = self.limits
        if self.total > limits.max_total_bytes:
            raise exceeded(limits, "max_total_bytes", f"The extracted files exceed {limits.max_total_bytes} bytes (at {echo(name)})")
        read = max(self.source.bytes_read, 1)
        if self.total > limits.ratio_grace_bytes and self.total / read > limits.max_ratio:
            raise exceeded(limits, "max_ratio", f"The archive expands too much (at {echo(name)}): a compression bomb")


def _copy(src: BinaryIO, name: str, dest: Path, budget: _Budget) -> ExtractedFile:
    budget.admit_file()
    target = dest.joinpath(*name.split("/"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("xb")  # exclusive: a second member with the same name is refused
    except (FileExistsError, NotADirectoryError, IsADirectoryError):
        raise Rejection(
            "archive.duplicate_name",
            f"The archive has more than one member named {echo(name)} (or a file and a folder of that name).",
            "keep one of them",
            member=name,
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
    return Rejection(
        rule,
        f"The archive member {echo(name)} is a {what}; only regular files and folders are accepted.",
        "replace it by the file it stands for",
        member=name,
    )


def _extract_tar(source: HashingReader, dest: Path, budget: _Budget) -> None:
    stream = decompressed(source, budget.limits)
    for member, tar in tar_members(stream, budget.limits):
        name = member_path(member.name, budget.limits)
        if member.issym():
            raise _refuse_type(name, "symbolic link", "archive.symlink")
        if member.islnk():
            raise _refuse_type(name, "hard link", "archive.hardlink")
        if member.isdev():
            raise _refuse_type(name, "device or FIFO", "archive.special_file")
        if member.isdir():
            continue  # folders are created for the files in them; './' is the archive's own
        if not member.isreg() or not name:
            raise _refuse_type(name or member.name, f"special member (type {member.type!r})", "archive.special_file")
        if member.size > budget.limits.max_total_bytes - budget.total:
            budget.add(member.size, name)  # refuse before reading a byte of it
        data = tar.extractfile(member)
        assert data is not None  # regular files always have data
        written = _copy(data, name, dest, budget)
        if written.size != member.size:
            raise corrupt(f"{echo(name)} is cut short ({written.size} of {member.size} bytes: truncated)")
    stream.drain()


def _zip_member_type(info: zipfile.ZipInfo) -> int:
    return stat.S_IFMT(info.external_attr >> 16)


def _extract_zip(source: HashingReader, dest: Path, budget: _Budget) -> None:
    limits = budget.limits
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(source, spool, limits.chunk_bytes)  # type: ignore[misc]
        check_directory(spool, limits)
        with zipfile.ZipFile(spool) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                raise exceeded(limits, "max_members", f"The archive has more than {limits.max_members} members")
            for info in infos:
                name = member_path(info.filename, limits)
                kind = _zip_member_type(info)
                if kind == stat.S_IFLNK:
                    raise _refuse_type(name, "symbolic link", "archive.symlink")
                if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise _refuse_type(name, "device or FIFO", "archive.special_file")
                if info.is_dir() or kind == stat.S_IFDIR:
                    continue
                if not name:
                    raise _refuse_type(info.filename, "file without a name", "archive.special_file")
                if info.flag_bits & 0x1:
                    raise Rejection(
                        "archive.encrypted",
                        f"The archive member {echo(name)} is encrypted.",
                        "submit it unencrypted (the bucket is encrypted at rest)",
                        member=name,
                    )
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
    except CORRUPT_ERRORS as exc:
        raise corrupt(f"{type(exc).__name__}: {str(exc)[:200]}") from None
    return budget.files
