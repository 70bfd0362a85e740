"""Bounded storage of a run's JSON payloads: small ones inline, large ones once as files.

A payload reference is ``{"value": v}`` when its JSON fits in :data:`INLINE_BYTES`, otherwise
``{"file": "payloads/<digest>.json", "bytes": n, "preview": "<first characters>"}``: the file is
named by the content's hash, so a payload passed through ten states is written once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

INLINE_BYTES = 4 * 1024
PREVIEW_CHARS = 600
PAYLOADS = "payloads"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class PayloadStore:
    """Writes and reads the payload files of one run folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, value: Any) -> dict[str, Any]:
        text = dumps(value)
        size = len(text.encode())
        if size <= INLINE_BYTES:
            return {"value": value}
        relative = f"{PAYLOADS}/{hashlib.sha256(text.encode()).hexdigest()[:24]}.json"
        target = self.folder / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return {"file": relative, "bytes": size, "preview": text[:PREVIEW_CHARS]}

    def get(self, ref: dict[str, Any] | None) -> Any:
        """The full value behind a reference (``None`` for no reference)."""
        if not ref:
            return None
        if "file" in ref:
            return json.loads((self.folder / ref["file"]).read_text(encoding="utf-8"))
        return ref.get("value")
