"""Tar members one at a time, with tar's own metadata bounded before ``tarfile`` reads it.

``tarfile`` reads an extended header (a PAX record set, a GNU long name or link) whole into memory,
however large its header says it is, chains them by recursion, keeps every member it has seen in
``TarFile.members``, and treats a truncated or damaged header after the first as the end of the
archive. Rather than hand-write a tar parser, dorc keeps ``tarfile`` and uses the hook it offers
for exactly this (``TarInfo._proc_member``, "can be overridden in a subclass"): a :class:`TarInfo`
subclass refuses an extended header whose declared size is over ``max_header_bytes``, a chain of
them, all of them together over ``max_metadata_bytes`` and GNU sparse members *before* ``tarfile``
reads them, and turns a short or damaged header into ``archive.corrupt`` (``frombuf``).
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .exceptions import Rejection
from .limits import Limits, exceeded
from .streams import Meter

EXTENDED_TYPES = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)
# A member has at most a PAX header, a GNU long name and a GNU long link before it (and a global
# header); more in a row only serves to make tarfile recurse.
MAX_CHAINED_HEADERS = 4


def corrupt(why: str) -> Rejection:
    return Rejection(
        "archive.corrupt",
        f"The archive cannot be read: {why}.",
        "check the file is a complete .tar, .tar.gz or .zip (re-create it, and upload it again)",
    )


def sparse_refused(*_: Any) -> None:
    raise Rejection(
        "archive.special_file",
        "The archive has a sparse file (tar --sparse); only regular files are accepted.",
        "create the archive without --sparse",
    )


@dataclass
class _HeaderBudget:
    limits: Limits
    chained: int = 0
    metadata: int = 0


def guarded_tarinfo(limits: Limits) -> type[tarfile.TarInfo]:
    """A ``TarInfo`` class bound to ``limits`` (one per archive: it counts the extended headers)."""
    budget = _HeaderBudget(limits)

    class GuardedTarInfo(tarfile.TarInfo):
        @classmethod
        def frombuf(cls, buf: bytes, encoding: str, errors: str) -> tarfile.TarInfo:
            if len(buf) != tarfile.BLOCKSIZE:
                raise corrupt("it ends in the middle of the archive (truncated), without tar's end marker")
            try:
                return super().frombuf(buf, encoding, errors)
            except tarfile.InvalidHeaderError as exc:
                raise corrupt(f"a member header is damaged ({exc})") from None

        def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
            if self.type == tarfile.GNUTYPE_SPARSE:
                sparse_refused()
            if self.type not in EXTENDED_TYPES:
                budget.chained = 0
                return super()._proc_member(tarfile_)
            budget.chained += 1
            budget.metadata += self.size
            if self.size > limits.max_header_bytes:
                raise exceeded(limits, "max_header_bytes", f"An extended tar header declares {self.size} bytes")
            if budget.chained > MAX_CHAINED_HEADERS:
                raise exceeded(
                    limits, "max_header_bytes", f"More than {MAX_CHAINED_HEADERS} extended tar headers precede one member"
                )
            if budget.metadata > limits.max_metadata_bytes:
                raise exceeded(limits, "max_metadata_bytes", "The extended tar headers together are too large")
            return super()._proc_member(tarfile_)

        # PAX sparse files (GNU.sparse.* records) are refused like GNU ones: version 1.0 keeps an
        # unbounded map in the data, and a sparse file is never an ordinary submission.
        _proc_gnusparse_00 = sparse_refused
        _proc_gnusparse_01 = sparse_refused
        _proc_gnusparse_10 = sparse_refused

    return GuardedTarInfo


def tar_members(stream: Meter, limits: Limits) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    """Each member of the tar ``stream`` in order, with the open ``TarFile`` to read its data from."""
    tarinfo = guarded_tarinfo(limits)
    with tarfile.open(fileobj=stream, mode="r|", bufsize=limits.chunk_bytes, tarinfo=tarinfo) as tar:  # type: ignore[call-overload]
        members = 0
        while (member := tar.next()) is not None:
            members += 1
            if members > limits.max_members:
                raise exceeded(limits, "max_members", f"The archive has more than {limits.max_members} members")
            yield member, tar
            # A stream is read once, in order: the members tarfile keeps for random access
            # (with their PAX headers) would only grow memory with the member count.
            tar.members.clear()
