"""Capture what a handler prints and logs, per invocation, even when invocations run concurrently.

While :func:`installed` is active, ``sys.stdout``/``sys.stderr`` are proxies and the root logger has
one extra handler. A thread inside :func:`capturing` has its output collected into its own list;
every other thread writes through to the real streams. Loggers that hold a stream (such as
powertools' ``Logger``, created at handler import time) hold the proxy, so they are captured too.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_current = threading.local()


def _buffer() -> list[str] | None:
    return getattr(_current, "lines", None)


class _StreamProxy(io.TextIOBase):
    def __init__(self, real: io.TextIOBase) -> None:
        self.real = real

    def write(self, text: str) -> int:
        buffer = _buffer()
        if buffer is None:
            return self.real.write(text)
        buffer.append(text)
        return len(text)

    def flush(self) -> None:
        if _buffer() is None:
            self.real.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.real, "encoding", "utf-8")


class _RecordHandler(logging.Handler):
    """Root-logger records of a capturing thread, as Lambda's runtime would print them."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("[%(levelname)s] %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        buffer = _buffer()
        if buffer is not None:
            buffer.append(self.format(record) + "\n")


@contextmanager
def installed() -> Iterator[None]:
    """Route stdout, stderr and root log records through the per-thread capture."""
    real_out, real_err = sys.stdout, sys.stderr
    handler = _RecordHandler()
    root = logging.getLogger()
    sys.stdout, sys.stderr = _StreamProxy(real_out), _StreamProxy(real_err)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        sys.stdout, sys.stderr = real_out, real_err


@contextmanager
def capturing() -> Iterator[list[str]]:
    """Collect this thread's output; the yielded list holds its lines once the block ends."""
    chunks: list[str] = []
    lines: list[str] = []
    try:
        with capturing_into(chunks):
            yield lines
    finally:
        lines.extend("".join(chunks).splitlines())


def current_chunks() -> list[str] | None:
    """The list this thread is capturing into, to hand on to a helper thread."""
    return _buffer()


@contextmanager
def capturing_into(chunks: list[str] | None) -> Iterator[None]:
    previous = _buffer()
    _current.lines = chunks
    try:
        yield
    finally:
        _current.lines = previous
