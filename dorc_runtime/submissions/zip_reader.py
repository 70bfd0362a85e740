"""A zip's size of directory, checked before ``zipfile`` reads it.

``zipfile.ZipFile`` reads the whole central directory into memory and builds a ``ZipInfo`` for
every entry in it, however large the end-of-central-directory record says it is. That record is
22 bytes at the end of the file (plus a 56-byte zip64 record for large archives), so dorc reads it
first, the same way ``zipfile`` finds it, and refuses a directory over ``max_metadata_bytes`` or
more entries than ``max_members`` before ``zipfile`` allocates anything. ``zipfile`` exposes no
public way to ask; its own reader (``zipfile._EndRecData``) is private, hence these few lines.
Format: PKWARE APPNOTE.TXT 4.3.14-4.3.16 (https://pkwaredownloads.blob.core.windows.net/pkware-general/Documentation/APPNOTE-6.3.9.TXT).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from .limits import Limits, exceeded
from .tar_reader import corrupt

EOCD = struct.Struct("<4s4H2LH")
EOCD_SIGNATURE = b"PK\x05\x06"
MAX_COMMENT = 0xFFFF
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"


def _read_at(f: BinaryIO, offset: int, size: int) -> bytes:
    f.seek(offset)
    return f.read(size)


def directory_size(f: BinaryIO) -> tuple[int, int]:
    """(entries, bytes) of the central directory of the seekable zip ``f``."""
    end = f.seek(0, 2)
    tail_start = max(0, end - EOCD.size - MAX_COMMENT)
    tail = _read_at(f, tail_start, end - tail_start)
    # zipfile tries a record without comment first, then the last signature in the tail
    if tail[-EOCD.size : -EOCD.size + 4] == EOCD_SIGNATURE and tail[-2:] == b"\0\0":
        at = len(tail) - EOCD.size
    else:
        at = tail.rfind(EOCD_SIGNATURE)
    if at < 0 or len(tail) - at < EOCD.size:
        raise corrupt("it has no zip end-of-central-directory record (not a zip, or truncated)")
    _, _, _, _, entries, size, offset, _ = EOCD.unpack_from(tail, at)
    if entries != 0xFFFF and size != 0xFFFFFFFF and offset != 0xFFFFFFFF:
        return entries, size
    locator_at = tail_start + at - ZIP64_LOCATOR.size
    locator = _read_at(f, locator_at, ZIP64_LOCATOR.size) if locator_at >= 0 else b""
    if len(locator) != ZIP64_LOCATOR.size or locator[:4] != ZIP64_LOCATOR_SIGNATURE:
        raise corrupt("its zip64 end-of-central-directory locator is missing")
    record = _read_at(f, ZIP64_LOCATOR.unpack(locator)[2], ZIP64_EOCD.size)
    if len(record) != ZIP64_EOCD.size or record[:4] != ZIP64_EOCD_SIGNATURE:
        raise corrupt("its zip64 end-of-central-directory record is missing")
    fields = ZIP64_EOCD.unpack(record)
    return fields[7], fields[8]


def check_directory(f: BinaryIO, limits: Limits) -> None:
    entries, size = directory_size(f)
    if entries > limits.max_members:
        raise exceeded(limits, "max_members", f"The zip's directory lists {entries} members")
    if size > limits.max_metadata_bytes:
        raise exceeded(limits, "max_metadata_bytes", f"The zip's central directory is {size} bytes")
    f.seek(0)
