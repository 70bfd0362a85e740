"""The local holding store on disk: ``.dorc/local/s3/<bucket>/<key>``, one file per object.

It is loaded into the embedded S3 when a run starts and saved back when the run ends, whatever
the outcome, so what earlier states wrote stays for the next run (raw then processed) and can be
opened with any tool. Only object bytes persist (not metadata or versions).

Any set of legal S3 keys has a place on disk (S3 keys are any UTF-8 text up to 1,024 bytes:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). Each ``/``-separated
segment is one path part, percent-encoded where a file system would object (``quote``); since
``quote`` writes ``%`` only as ``%XX``, a ``%`` followed by anything else is free to mark what plain
paths cannot say:

* ``%`` alone is an empty segment (``a//b``, ``a/``);
* a name ending in ``%`` is an object whose key is also a folder of other keys (``a`` beside
  ``a/b`` is the file ``a%`` beside the folder ``a/``);
* a name ending in ``%+`` continues in the next part: a segment longer than a file name may be
  (255 bytes) is cut into parts;
* on a case-insensitive file system (macOS, Windows) capital letters are written ``%41``... so that
  ``A`` and ``a`` stay two files.

Everything else is the key as it is, so ``census/raw/2021.csv`` is ``census/raw/2021.csv``.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote

LOCAL_DIR = Path(".dorc") / "local"
S3_DIR = "s3"
EMPTY_SEGMENT = "%"
ALSO_A_FOLDER = "%"  # suffix of an object whose key is also a folder of other keys
CONTINUED = "%+"  # suffix of a part that continues in the next one
SAVING_PREFIX = "%saving-"  # a file being written: never an encoded name, as "%s" is no escape
PART_CHARS = 240  # a part's longest name, with room for a suffix, under the usual 255-byte limit
_SAFE = " -_.~+=,@()!'"
_UPPER = {chr(c): f"%{c:02X}" for c in range(ord("A"), ord("Z") + 1)}
_CAPITAL = re.compile(r"%[0-9A-F]{2}|[A-Z]")


class ObjectStore(Protocol):
    """The embedded S3 as the holding store sees it (moto's backend, or a fake in tests)."""

    def buckets(self) -> list[str]: ...
    def create_bucket(self, name: str) -> None: ...
    def objects(self, bucket: str) -> dict[str, bytes]: ...
    def put(self, bucket: str, key: str, body: bytes) -> None: ...


def _encode_segment(segment: str, fold_case: bool) -> list[str]:
    encoded = quote(segment, safe=_SAFE)
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    if fold_case:  # capitals outside %XX escapes
        encoded = _CAPITAL.sub(lambda m: _UPPER.get(m.group(), m.group()), encoded)
    if not encoded:
        return [EMPTY_SEGMENT]
    parts = []
    while len(encoded) > PART_CHARS:
        cut = PART_CHARS
        while "%" in encoded[cut - 2:cut]:  # never split a %XX escape
            cut -= 1
        parts.append(encoded[:cut] + CONTINUED)
        encoded = encoded[cut:]
    return [*parts, encoded]


def encode_key(key: str, fold_case: bool = False) -> Path:
    """The path of ``key`` inside its bucket's folder when no other key uses it as a folder."""
    return Path(*[part for segment in key.split("/") for part in _encode_segment(segment, fold_case)])


def decode_key(path: Path) -> str:
    segments: list[str] = []
    pending = ""
    for index, part in enumerate(path.parts):
        if part.endswith(CONTINUED):
            pending += part[: -len(CONTINUED)]
            continue
        if index == len(path.parts) - 1 and part.endswith(ALSO_A_FOLDER) and part != EMPTY_SEGMENT:
            part = part[: -len(ALSO_A_FOLDER)]
        part = pending + part
        pending = ""
        segments.append("" if part == EMPTY_SEGMENT else unquote(part))
    return "/".join(segments)


def layout(keys: list[str], fold_case: bool = False) -> dict[str, Path]:
    """Where each of ``keys`` goes in its bucket's folder: :func:`encode_key`, except that a key
    that is also a folder of other keys gets the ``%`` suffix."""
    paths = {key: encode_key(key, fold_case) for key in keys}
    folders = {parent for path in paths.values() for parent in path.parents}
    return {key: path.with_name(path.name + ALSO_A_FOLDER) if path in folders else path for key, path in paths.items()}


def case_insensitive(folder: Path) -> bool:
    """Does ``folder``'s file system fold case (``A`` and ``a`` the same name)?"""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(prefix="case-probe-", dir=folder) as probe:
        return Path(probe.name).with_name(Path(probe.name).name.upper()).exists()


class SaveError(Exception):
    """The holding store could not be written: what happened and what to do. (Not a
    ``DorcError``: this module runs in the embedded AWS's process without the dorc_runtime
    package, which reports it to the run.)"""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


@dataclass
class HoldingStore:
    """A project's persisted local S3 state."""

    root: Path
    _loaded: dict[str, dict[str, bytes]] = field(default_factory=dict, repr=False)

    @classmethod
    def of_project(cls, project_root: Path) -> HoldingStore:
        return cls(project_root / LOCAL_DIR / S3_DIR)

    @property
    def state_dir(self) -> Path:
        return self.root.parent.parent

    def bucket_dir(self, bucket: str) -> Path:
        return self.root / bucket

    def path_of(self, bucket: str, key: str) -> Path:
        """Where ``key`` is on disk (or would be, if no other key makes it a folder)."""
        path = self.bucket_dir(bucket) / encode_key(key, self._fold_case())
        marked = path.with_name(path.name + ALSO_A_FOLDER)
        return marked if not path.is_file() and marked.is_file() else path

    def saved(self) -> Iterator[tuple[str, str, Path]]:
        """(bucket, key, file) of every persisted object."""
        if not self.root.is_dir():
            return
        for bucket_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for file in sorted(p for p in bucket_dir.rglob("*") if p.is_file() and not p.name.startswith(SAVING_PREFIX)):
                yield bucket_dir.name, decode_key(file.relative_to(bucket_dir)), file

    def load_into(self, store: ObjectStore, buckets: tuple[str, ...] = ()) -> None:
        """Put the saved buckets and objects into ``store``, and make ``buckets`` (the holding
        bucket) if they were not saved: a bucket made here is not a change to save."""
        self._loaded = {}
        if self.root.is_dir():
            for bucket_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
                store.create_bucket(bucket_dir.name)
                self._loaded[bucket_dir.name] = {}
        for bucket, key, file in self.saved():
            body = file.read_bytes()
            store.put(bucket, key, body)
            self._loaded[bucket][key] = body
        for bucket in buckets:
            if bucket not in self._loaded:
                store.create_bucket(bucket)
                self._loaded[bucket] = {}

    def save_from(self, store: ObjectStore) -> None:
        """Write what changed since :meth:`load_into`; drop what was deleted. Every object is
        written to a new file that replaces the old one at once, before anything is deleted, so an
        interrupted save leaves each object's old or new content, never none. An object that cannot
        be written does not stop the others; its old file, if any, is kept; then :class:`SaveError`
        says what went wrong."""
        current = {bucket: store.objects(bucket) for bucket in store.buckets()}
        if current == self._loaded:
            return  # nothing changed: nothing is written (a run that failed early leaves no trace)
        failures: list[OSError] = []
        try:
            self._ignore_in_git()
            fold_case = self._fold_case()
            for bucket in set(self._loaded) - set(current):
                shutil.rmtree(self.bucket_dir(bucket), ignore_errors=True)
            for bucket, objects in current.items():
                failures += self._save_bucket(self.bucket_dir(bucket), objects, self._loaded.get(bucket, {}), fold_case)
        except OSError as exc:
            failures.append(exc)
        if failures:
            first = failures[0]
            count = f" ({len(failures)} objects not saved)" if len(failures) > 1 else ""
            raise SaveError(
                f"The holding store could not be saved in {self.root}: {first.strerror or first} "
                f"({first.filename or self.root}){count}.",
                _fix_for(first),
            )
        self._loaded = current

    def _save_bucket(self, folder: Path, objects: dict[str, bytes], before: dict[str, bytes],
                     fold_case: bool) -> list[OSError]:
        wanted = layout(list(objects), fold_case)
        on_disk = {file.relative_to(folder): file for file in folder.rglob("*") if file.is_file()} \
            if folder.is_dir() else {}
        folder.mkdir(parents=True, exist_ok=True)
        blocked: list[str] = []
        failed: dict[str, OSError] = {}
        for key, relative in wanted.items():
            if relative in on_disk and before.get(key) == objects[key]:
                continue  # unchanged, and already where it belongs
            try:
                if not _write(folder / relative, objects[key]):
                    blocked.append(key)  # a stale file or folder is in the way: written after the clean-up
            except OSError as exc:
                failed[key] = exc
        keep = set(wanted.values())
        for relative, file in on_disk.items():
            if relative not in keep and decode_key(relative) not in failed:  # an unsaved object keeps its old file
                file.unlink()
        _remove_empty_folders(folder)
        for key in blocked:
            try:
                if not _write(folder / wanted[key], objects[key]):
                    failed[key] = OSError(errno.EEXIST, "a file or folder is in the way", str(folder / wanted[key]))
            except OSError as exc:
                failed[key] = exc
        return list(failed.values())

    def clear(self) -> bool:
        """Delete everything; False if there was nothing to delete."""
        if not self.root.exists():
            return False
        shutil.rmtree(self.root)
        return True

    def _fold_case(self) -> bool:
        return self.root.is_dir() and case_insensitive(self.root)

    def _ignore_in_git(self) -> None:
        # the state is the developer's own: a .gitignore inside keeps it out of commits even in a
        # project whose own .gitignore predates it
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        marker = self.state_dir / ".gitignore"
        if not marker.exists():
            marker.write_text("*\n", encoding="utf-8")


def _write(path: Path, body: bytes) -> bool:
    """Write ``body`` to ``path`` through a temporary file renamed over it; False if a file is where
    a folder must be, or a folder where the file must be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            return False
        descriptor, temporary = tempfile.mkstemp(prefix=SAVING_PREFIX, dir=path.parent)
    except (FileExistsError, NotADirectoryError):
        return False
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _remove_empty_folders(folder: Path) -> None:
    for directory in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()


def _fix_for(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "free some disk space and run again; the embedded S3 kept nothing after this run"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make the project's .dorc folder writable and run again"
    if exc.errno == errno.ENAMETOOLONG:
        return "move the project to a shorter path and run again"
    return "check the file system where the project is, then run again"
