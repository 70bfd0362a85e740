"""What a local run shows: each state as it ends (name, status, duration, retries) with what its
handler printed and logged, then the outcome.

The console writes to the stream it was given when created (the real stdout), so it is never
mistaken for a handler's output while capture is installed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from .invocation import Invocation

MAX_LINES_PER_STATE = 40
_STATUS = {"SUCCEEDED": ("ok", "32"), "FAILED": ("FAILED", "31"), "RETRYING": ("retry", "33"),
           "CAUGHT": ("caught", "35")}


def functions_under(asl: Mapping[str, Any]) -> dict[str, set[str]]:
    """State name -> the Lambda ARNs it invokes (a Map or Parallel: every one inside it)."""
    out: dict[str, set[str]] = defaultdict(set)

    def visit(scope: Mapping[str, Any]) -> set[str]:
        found: set[str] = set()
        for name, state in scope.get("States", {}).items():
            arns: set[str] = set()
            function = (state.get("Parameters") or {}).get("FunctionName")
            if isinstance(function, str):
                arns.add(function)
            for branch in state.get("Branches", []):
                arns |= visit(branch)
            for key in ("ItemProcessor", "Iterator"):
                if key in state:
                    arns |= visit(state[key])
            out[name] |= arns
            found |= arns
        return found

    visit(asl)
    return out


_RUNTIME_DIR = str(Path(__file__).resolve().parents[1])
_FRAME_FILE = re.compile(r'^\s*File "([^"]+)"')


def _is_dorc_frame(frame: str) -> bool:
    """A traceback frame of dorc's own code (how it called the handler): the user's frames are
    what help, as AWS Lambda's own stackTrace leaves out its runtime's frames."""
    found = _FRAME_FILE.match(frame)
    return bool(found) and str(Path(found.group(1)).resolve()).startswith(_RUNTIME_DIR + os.sep)


def lambda_cause(cause: str | None) -> tuple[str | None, list[str]]:
    """(message, stack lines) of a Lambda error document; the raw cause if it is not one."""
    if not cause:
        return None, []
    try:
        document = json.loads(cause)
    except ValueError:
        return cause, []
    if isinstance(document, dict) and "errorMessage" in document:
        frames = [frame for frame in document.get("stackTrace") or [] if not _is_dorc_frame(frame)]
        stack = [line.rstrip() for frame in frames for line in frame.splitlines()]
        return str(document["errorMessage"]), stack
    return cause, []


def failure_location(execution: Any) -> str:
    """`` at state 'clean'`` — the function that failed, also inside a Parallel branch or a Map
    (with the item's index: ``(in fanout[17])``), not the wrapper state around it."""
    failed = [e for e in execution.history if e.status == "FAILED"]
    tasks = [e for e in failed if e.type == "Task"]
    event = tasks[0] if tasks else (failed[-1] if failed else None)
    if event is None:
        return f" at state {execution.failed_state!r}" if execution.failed_state else ""
    return f" at state {event.state!r}" + (f" (in {event.scope})" if event.scope else "")


def failure_summary(error: str | None, cause: str | None) -> str:
    """``Error: message`` for a failed state or handler: the message out of a Lambda error
    document, never the raw JSON (its traceback is printed by :meth:`RunConsole.failure_details`)."""
    message, _ = lambda_cause(cause)
    return ": ".join(part for part in (error, message) if part) or "failed"


class RunConsole:
    def __init__(self, out: TextIO | None = None, color: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.color = self.out.isatty() if color is None else color
        self._lock = threading.Lock()
        self._arns: dict[str, set[str]] = defaultdict(set)
        self._pending: dict[str, deque[Invocation]] = defaultdict(deque)

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def line(self, text: str = "") -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def watch(self, asls: Iterable[Mapping[str, Any]]) -> None:
        """Learn which states invoke which functions, to show each handler's output with its state."""
        for asl in asls:
            for state, arns in functions_under(asl).items():
                self._arns[state] |= arns

    # -- callbacks: the runner's recorder and the interpreter's on_event -----------------------
    def invocation(self, record: Invocation) -> None:
        with self._lock:
            self._pending[record.spec.arn].append(record)

    def event(self, event: Any) -> None:
        label, code = _STATUS.get(event.status, (event.status.lower(), "0"))
        where = f"{event.scope} > {event.state}" if event.scope else event.state
        text = f"  {self._paint(f'{label:<7}', code)} {where:<40} {event.type:<9} {event.duration * 1000:8.1f} ms"
        if event.attempt:
            text += f"  (retry {event.attempt})"
        if event.error:
            message, _ = lambda_cause(event.cause)
            text += f"  {event.error}" + (f": {message}" if message else "")
        lines = self._output_of(event.state, every=event.type != "Task")
        self.line(text)
        for output in lines:
            self.line(self._paint(f"      | {output}", "2"))

    def _output_of(self, state: str, every: bool) -> list[str]:
        """A Task attempt shows its own call; a Map or Parallel everything its states ran."""
        lines: list[str] = []
        with self._lock:
            for arn in sorted(self._arns.get(state, ())):
                pending = self._pending.get(arn)
                while pending:
                    lines += pending.popleft().lines
                    if not every:
                        break
        if len(lines) > MAX_LINES_PER_STATE:
            hidden = len(lines) - MAX_LINES_PER_STATE
            lines = lines[:MAX_LINES_PER_STATE] + [f"... {hidden} more lines"]
        return lines

    # -- the outcome -----------------------------------------------------------------------
    def failure_details(self, cause: str | None) -> None:
        _, stack = lambda_cause(cause)
        if stack:
            self.line("  handler traceback:")
            for text in stack:
                self.line(self._paint(f"    {text}", "2"))

    def output(self, value: Any) -> None:
        self.line(json.dumps(value, indent=2, ensure_ascii=False))
