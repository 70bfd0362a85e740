"""The byte streams an archive is read through: hashed as they arrive, metered once decompressed.

:class:`HashingReader` wraps the S3 body: every byte read passes a SHA-256 (the copy to
``processed/`` or ``failed/`` is verified against it) and is counted, which is the denominator of
the compression ratio. :class:`SourceReadError` marks a failure of the body itself (a dropped
connection): that is AWS's problem, not the archive's, so the event is retried instead of the
archive being quarantined.

:func:`decompressed` returns the tar stream: the gzip decompressor of the standard library when the
body starts with gzip's magic bytes, else the body itself, behind a :class:`Meter` that counts every
decompressed byte (file data, headers, padding and what tar skips alike) and refuses the archive as
soon as it exceeds the ratio or the stream limit, one chunk at a time.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from typing import BinaryIO, Protocol

from ..errors import DorcError
from .limits import Limits, exceeded

GZIP_MAGIC = b"\x1f\x8b"


class SourceReadError(DorcError):
    """Reading the archive from S3 failed: the event is retried, the archive stays in ``incoming/``."""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class HashingReader:
    """Wraps a readable stream: counts and SHA-256-hashes every byte read through it."""

    def __init__(self, raw: Readable, chunk_bytes: int = 1024 * 1024) -> None:
        self._raw = raw
        self._chunk = chunk_bytes
        self._hash = hashlib.sha256()
        self._pushed_back = b""
        self.bytes_read = 0

    def _read_raw(self, size: int) -> bytes:
        try:
            data = self._raw.read(size)
        except Exception as exc:
            raise SourceReadError(f"Reading the archive failed ({type(exc).__name__}: {exc}).", "retried") from exc
        self._hash.update(data)
        self.bytes_read += len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        size = size if size is not None and 0 <= size <= self._chunk else self._chunk
        if self._pushed_back:
            data, self._pushed_back = self._pushed_back[:size], self._pushed_back[size:]
            return data
        return self._read_raw(size)

    def peek(self, size: int) -> bytes:
        """The next ``size`` bytes (fewer at the end), which the next read returns again."""
        while len(self._pushed_back) < size and (more := self._read_raw(size - len(self._pushed_back))):
            self._pushed_back += more
        return self._pushed_back[:size]

    def drain(self) -> None:
        """Read what is left, so the hash covers the whole object."""
        while self.read(self._chunk):
            pass

    @property
    def sha256_b64(self) -> str:
        """The digest in the form S3 reports as ``ChecksumSHA256``."""
        return base64.b64encode(self._hash.digest()).decode()


class Meter:
    """The decompressed stream, refused as soon as it grows past the ratio or the stream limit."""

    def __init__(self, inner: BinaryIO | HashingReader, source: HashingReader, limits: Limits) -> None:
        self._inner = inner
        self._source = source
        self._limits = limits
        self.bytes_out = 0

    def read(self, size: int = -1) -> bytes:
        size = size if size is not None and 0 <= size <= self._limits.chunk_bytes else self._limits.chunk_bytes
        data = self._inner.read(size)
        self.bytes_out += len(data)
        limits = self._limits
        if self.bytes_out > limits.max_stream_bytes:
            raise exceeded(limits, "max_total_bytes", f"The archive decompresses to more than {limits.max_stream_bytes} bytes")
        if self.bytes_out > limits.ratio_grace_bytes and self.bytes_out > limits.max_ratio * max(self._source.bytes_read, 1):
            raise exceeded(limits, "max_ratio", "The archive expands too much: a compression bomb")
        return data

    def drain(self) -> None:
        """Read to the end: gzip checks its CRC and length only there."""
        while self.read(self._limits.chunk_bytes):
            pass


def decompressed(source: HashingReader, limits: Limits) -> Meter:
    """The tar stream inside ``source``: gunzipped when it starts with gzip's magic bytes."""
    if source.peek(len(GZIP_MAGIC)) == GZIP_MAGIC:
        return Meter(gzip.GzipFile(fileobj=source, mode="rb"), source, limits)
    return Meter(source, source, limits)
