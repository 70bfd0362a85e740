"""The ``--event`` argument of run, call and start: inline JSON or ``@file``, parsed in one place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import EventError

EMPTY_EVENT: dict[str, Any] = {}


def parse_event(text: str | None, base: Path | None = None) -> Any:
    """``None``/empty -> ``{}``; ``@path`` -> the JSON in that file (relative to ``base``); else JSON."""
    if text is None or not text.strip():
        return dict(EMPTY_EVENT)
    if text.startswith("@"):
        path = Path(text[1:]).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise EventError(
                f"Cannot read the event file {path}: {exc.strerror or exc}.",
                "pass --event @<existing file>.json or inline JSON such as --event '{\"year\": 2021}'",
            ) from None
        return _loads(source, where=str(path))
    return _loads(text, where="--event")


def _loads(source: str, where: str) -> Any:
    try:
        return json.loads(source)
    except RecursionError:
        raise EventError(
            f"{where} nests objects or lists too deeply for Python to read.",
            "flatten the event; Step Functions state data is at most 256 KiB anyway",
        ) from None
    except json.JSONDecodeError as exc:
        raise EventError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
            "quote the JSON for your shell, e.g. --event '{\"year\": 2021}', or use --event @event.json",
        ) from None
