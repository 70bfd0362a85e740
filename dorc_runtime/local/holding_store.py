"""The local holding store on disk: ``.dorc/local/s3/<bucket>/<key>``, one file per object.

It is loaded into the embedded S3 when a run starts and saved back when the run ends, whatever
the outcome, so what earlier states wrote stays for the next run (raw then processed) and can be
opened with any tool. Only object bytes persist (not metadata or versions).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote

LOCAL_DIR = Path(".dorc") / "local"
S3_DIR = "s3"
# '%' alone is never produced by quote(), so it can stand for an empty key segment ("a//b")
EMPTY_SEGMENT = "%"
_SAFE = " -_.~+=,@()!'"


class ObjectStore(Protocol):
    """The embedded S3 as the holding store sees it (moto's backend, or a fake in tests)."""

    def buckets(self) -> list[str]: ...
    def create_bucket(self, name: str) -> None: ...
    def objects(self, bucket: str) -> dict[str, bytes]: ...
    def put(self, bucket: str, key: str, body: bytes) -> None: ...


def encode_key(key: str) -> Path:
    parts = []
    for segment in key.split("/"):
        encoded = quote(segment, safe=_SAFE)
        if encoded in (".", ".."):
            encoded = encoded.replace(".", "%2E")
        parts.append(encoded or EMPTY_SEGMENT)
    return Path(*parts)


def decode_key(path: Path) -> str:
    return "/".join("" if part == EMPTY_SEGMENT else unquote(part) for part in path.parts)


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
        return self.bucket_dir(bucket) / encode_key(key)

    def saved(self) -> Iterator[tuple[str, str, Path]]:
        """(bucket, key, file) of every persisted object."""
        if not self.root.is_dir():
            return
        for bucket_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for file in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
                yield bucket_dir.name, decode_key(file.relative_to(bucket_dir)), file

    def load_into(self, store: ObjectStore) -> None:
        self._loaded = {}
        if self.root.is_dir():
            for bucket_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
                store.create_bucket(bucket_dir.name)
                self._loaded[bucket_dir.name] = {}
        for bucket, key, file in self.saved():
            body = file.read_bytes()
            store.put(bucket, key, body)
            self._loaded[bucket][key] = body

    def save_from(self, store: ObjectStore) -> None:
        """Write what changed since :meth:`load_into`; drop what was deleted."""
        self._ignore_in_git()
        current = {bucket: store.objects(bucket) for bucket in store.buckets()}
        for bucket in set(self._loaded) - set(current):
            shutil.rmtree(self.bucket_dir(bucket), ignore_errors=True)
        for bucket, objects in current.items():
            before = self._loaded.get(bucket, {})
            self.bucket_dir(bucket).mkdir(parents=True, exist_ok=True)
            for key, body in objects.items():
                if before.get(key) != body:
                    path = self.path_of(bucket, key)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(body)
            for key in set(before) - set(objects):
                self.path_of(bucket, key).unlink(missing_ok=True)
        self._loaded = current

    def clear(self) -> bool:
        """Delete everything; False if there was nothing to delete."""
        if not self.root.exists():
            return False
        shutil.rmtree(self.root)
        return True

    def _ignore_in_git(self) -> None:
        # the state is the developer's own: a .gitignore inside keeps it out of commits even in a
        # project whose own .gitignore predates it
        self.state_dir.mkdir(parents=True, exist_ok=True)
        marker = self.state_dir / ".gitignore"
        if not marker.exists():
            marker.write_text("*\n", encoding="utf-8")
