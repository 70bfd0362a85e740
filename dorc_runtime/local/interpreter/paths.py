"""Reference paths (``$.a.b[0]``, ``$['a b']``, ``$$.Map.Item.Value``): compiled once, walked fast.

Only the JSONPath subset AWS allows in ResultPath (names and indexes) is implemented, for every
path field; wildcards, filters, slices and ``..`` are refused by name.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import UnsupportedConstructError
from .errors import RUNTIME, StatesError

Segment = str | int

_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\]|\\.)*)\"\]")


class Path:
    """A compiled reference path; ``context`` paths start with ``$$``."""

    __slots__ = ("text", "context", "segments")

    def __init__(self, text: str) -> None:
        self.text = text
        self.context = text.startswith("$$")
        rest = text[2:] if self.context else text[1:]
        if not text.startswith("$"):
            raise UnsupportedConstructError(f"path {text!r} does not start with '$'", fix="write paths as $.field")
        segments: list[Segment] = []
        pos = 0
        while pos < len(rest):
            found = _TOKEN.match(rest, pos)
            if not found:
                raise UnsupportedConstructError(
                    f"JSONPath {text!r}: only names and indexes ($.a.b[0]) are supported locally, "
                    "not wildcards, filters, slices or '..'",
                    fix="use a plain reference path",
                )
            name, index, single, double = found.groups()
            if index is not None:
                segments.append(int(index))
            else:
                segments.append(name if name is not None else (single if single is not None else double))
            pos = found.end()
        self.segments = tuple(segments)

    def get(self, value: Any) -> Any:
        for segment in self.segments:
            try:
                if isinstance(segment, int):
                    if not isinstance(value, list):
                        raise KeyError(segment)
                    value = value[segment]
                else:
                    if not isinstance(value, dict):
                        raise KeyError(segment)
                    value = value[segment]
            except (KeyError, IndexError):
                raise StatesError(RUNTIME, f"Invalid path '{self.text}': No results for path: {self.text}") from None
        return value

    def set(self, root: Any, value: Any) -> Any:
        """A new root with ``value`` at this path; containers along the path are copied, not mutated."""
        if not self.segments:
            return value
        return self._set(root, 0, value)

    def _set(self, node: Any, depth: int, value: Any) -> Any:
        segment = self.segments[depth]
        last = depth == len(self.segments) - 1
        if isinstance(segment, int):
            if not isinstance(node, list) or segment >= len(node):
                raise StatesError(RUNTIME, f"Unable to apply ResultPath '{self.text}' to the state's input")
            copy = list(node)
        else:
            if node is None:
                node = {}
            if not isinstance(node, dict):
                raise StatesError(
                    RUNTIME,
                    f"Unable to apply ResultPath '{self.text}': the input is not a JSON object at that path",
                )
            copy = dict(node)
        child = value if last else self._set(copy.get(segment) if isinstance(copy, dict) else copy[segment], depth + 1, value)
        copy[segment] = child
        return copy


_CACHE: dict[str, Path] = {}


def compile_path(text: str) -> Path:
    path = _CACHE.get(text)
    if path is None:
        path = _CACHE[text] = Path(text)
    return path
