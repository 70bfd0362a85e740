"""Large hostile and ordinary archives, written to disk as streams (never whole in memory).

Used by the memory test (tests/runtime/submissions/test_submissions_memory.py) and the benchmark
(benchmarks/submissions.py): the attacks of issue 10 at their reported sizes, and a folder of
ordinary CSV files of a chosen size.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path

from tests.runtime.submissions.submission_archives import (
    BLOCK,
    END_OF_TAR,
    header,
    manifest_bytes,
    member,
)

MIB = 1024 * 1024
CHUNK = b"\0" * MIB
A_CHUNK = b"a" * MIB


def _blocks_of(kind: bytes, name: str, size: int, fill: bytes) -> Iterator[bytes]:
    """A header declaring ``size`` bytes, then that many ``fill`` bytes, padded to a block."""
    yield header(name, size, kind)
    chunk = fill * (MIB // len(fill))
    left = size
    while left > 0:
        yield chunk[: min(left, len(chunk))]
        left -= len(chunk)
    yield b"\0" * (-size % BLOCK)


def _gz(path: Path, blocks: Iterator[bytes]) -> Path:
    """Gzip ``blocks`` as a multi-member gzip file (RFC 1952 2.2: members are concatenated;
    gzip, tar and Python decompress them as one stream). Each distinct 1 MiB chunk is compressed
    once and its member repeated, so a gigabyte of filler costs a second, not a minute."""
    members: dict[bytes, bytes] = {}
    pending = bytearray()
    with path.open("wb") as out:
        for block in blocks:
            if len(block) < MIB:
                pending += block
                continue
            if pending:
                out.write(gzip.compress(bytes(pending), 6))
                pending.clear()
            if block not in members:
                members[block] = gzip.compress(block, 6)
            out.write(members[block])
        out.write(gzip.compress(bytes(pending), 6))
    return path


def _valid() -> Iterator[bytes]:
    yield member("manifest.json", manifest_bytes())
    yield member("data.csv", b"area,count\nE01,12\n")


def zeros_tgz(path: Path, size: int = 1024 * MIB) -> Path:
    """A tar.gz of about 1 MB holding ``size`` bytes of zeros (issue 10: 3.1 GB peak, 65 s)."""
    return _gz(path, chain(_valid(), _blocks_of(tarfile.REGTYPE, "zeros.bin", size, b"\0"), [END_OF_TAR]))


def pax_header_tgz(path: Path, size: int = 300 * MIB) -> Path:
    """A PAX header of one ``size``-byte record (issue 10: accepted using about 950 MB)."""

    def record() -> Iterator[bytes]:
        head = f"{size} comment=".encode()
        yield header("././@PaxHeader", size, tarfile.XHDTYPE)
        yield head
        left = size - len(head) - 1
        while left > 0:
            yield A_CHUNK[: min(left, MIB)]
            left -= MIB
        yield b"\n" + b"\0" * (-size % BLOCK)

    return _gz(path, chain(record(), _valid(), [END_OF_TAR]))


def gnu_long_name_tgz(path: Path, size: int = 200 * MIB) -> Path:
    """A GNU long name of ``size`` bytes (issue 10: 0.5-20 GB and a traceback)."""
    return _gz(path, chain(_blocks_of(tarfile.GNUTYPE_LONGNAME, "././@LongLink", size, b"n"), [member("x", b"1"), END_OF_TAR]))


def deep_manifest_tgz(path: Path, depth: int = 100_000) -> Path:
    """manifest.json nested ``depth`` levels (issue 10: RecursionError, no report)."""
    deep = b"[" * depth + b"]" * depth
    return _gz(path, iter([member("manifest.json", deep), member("data.csv", b"1\n"), END_OF_TAR]))


def many_files_tgz(path: Path, count: int = 6_000) -> Path:
    """No manifest and ``count`` files (issue 10: a report over SNS's 256 KB)."""
    return _gz(path, chain((member(f"file_{i:05d}.csv", b"1\n") for i in range(count)), [END_OF_TAR]))


def zeros_zip(path: Path, size: int = 1024 * MIB) -> Path:
    """A zip of about 1 MB holding ``size`` bytes of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("manifest.json", manifest_bytes())
        with archive.open("zeros.bin", "w", force_zip64=True) as out:
            for _ in range(size // MIB):
                out.write(CHUNK)
    return path


BOMBS: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "1 GiB of zeros in a .tar.gz": (zeros_tgz, "zeros.tar.gz", "archive.compression_ratio"),
    "300 MB PAX header": (pax_header_tgz, "pax.tar.gz", "archive.header_too_large"),
    "200 MB GNU long name": (gnu_long_name_tgz, "longname.tar.gz", "archive.header_too_large"),
    "100,000-deep manifest.json": (deep_manifest_tgz, "deep.tar.gz", "manifest.too_deep"),
    "6,000 files, no manifest": (many_files_tgz, "many.tar.gz", "manifest.missing"),
    "1 GiB of zeros in a .zip": (zeros_zip, "zeros.zip", "archive.compression_ratio"),
}


def csv_folder_tgz(path: Path, total: int, file_size: int = 32 * MIB) -> Path:
    """An ordinary submission: manifest.json and CSV files of varied rows, ``total`` bytes in all."""
    rng = os.urandom
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        data = manifest_bytes()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for n in range(max(1, total // file_size)):
            rows = b"".join(f"E{n:03d}{i:07d},{int.from_bytes(rng(2), 'big')},{i % 97}\n".encode() for i in range(20_000))
            body = (b"area,count,group\n" + rows * (file_size // len(rows) + 1))[:file_size]
            info = tarfile.TarInfo(f"data/part_{n:04d}.csv")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return path


def manifest_json() -> str:
    return json.dumps(json.loads(manifest_bytes()))
