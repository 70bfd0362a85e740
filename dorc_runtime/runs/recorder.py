"""Record a local run as it happens: the interpreter's events and each handler's invocation,
written to ``.dorc/runs/<run-id>/run.json`` (re-written at most every :data:`FLUSH_SECONDS`
during the run, so ``invoke ui`` can follow it, and once at the end).

The two callbacks it offers are the runner's seams: ``entered``/``exited`` for
``run_state_machine(on_enter=..., on_event=...)`` and ``invocation`` for the handlers' recorder.
Both may be called from several threads at once (Parallel branches, Map iterations).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .payloads import PayloadStore
from .store import DEFINITION, FORMAT, write_json, write_record

FLUSH_SECONDS = 0.5
MAX_EVENTS = 20_000  # a Map over a huge array: the page and the file stay bounded
MAX_LINES = 200
MAX_LINE_CHARS = 1_000
# an invocation belongs to the Task attempt whose time span holds its end (a little slack:
# the handler's recorder runs just after the call, the state's event just after that)
MATCH_SLACK_SECONDS = 0.05


def bounded_lines(lines: list[str]) -> list[str]:
    kept = [line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " ..." for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        kept.append(f"... {len(lines) - MAX_LINES} more lines not kept")
    return kept


class RunRecorder:
    """Collects one run's record; ``functions`` maps each Lambda ARN to ``{name, memory_mb, ...}``,
    ``state_functions`` each state name to the ARNs it invokes."""

    def __init__(self, folder: Path, meta: dict[str, Any], definition: Mapping[str, Any],
                 state_functions: Mapping[str, set[str]], run_input: Any) -> None:
        self.folder = folder
        self.payloads = PayloadStore(folder)
        self.state_functions = state_functions
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []  # invocations not yet matched to a Task attempt
        self._last_flush = 0.0
        self._interval = FLUSH_SECONDS
        write_json(folder / DEFINITION, definition)
        self.record: dict[str, Any] = {
            "format": FORMAT, **meta, "status": "RUNNING", "started": time.time(), "stopped": None,
            "input": self.payloads.put(run_input), "output": None, "error": None, "cause": None,
            "failed_state": None, "events": [], "events_dropped": 0, "running": {}, "invocations": [],
        }
        self.flush(force=True)

    # -- the runner's callbacks --------------------------------------------------------------
    def entered(self, scope: str, state: str, at: float) -> None:
        with self._lock:
            self.record["running"][f"{scope}/{state}"] = {"scope": scope, "state": state, "at": at}
        self.flush()

    def exited(self, event: Any) -> None:
        """A :class:`HistoryEvent`: one state run (one attempt of a Task)."""
        item = {
            "state": event.state, "type": event.type, "scope": event.scope, "status": event.status,
            "attempt": event.attempt, "started": event.started, "ended": event.ended,
            "input": self.payloads.put(event.input),
            "output": None if event.output is None and event.status != "SUCCEEDED" else self.payloads.put(event.output),
            "error": event.error, "cause": event.cause, "lines": [], "function": None,
        }
        with self._lock:
            if event.type == "Task":
                self._attach(item, getattr(event, "request_id", None))
            if event.status != "RETRYING":
                self.record["running"].pop(f"{event.scope}/{event.state}", None)
            if len(self.record["events"]) < MAX_EVENTS:
                self.record["events"].append(item)
            else:
                self.record["events_dropped"] += 1
        self.flush()

    def invocation(self, record: Any) -> None:
        """An :class:`~dorc_runtime.local.invocation.Invocation` (the handler has returned)."""
        call = {"function": record.spec.arn, "request_id": record.request_id,
                "duration_ms": record.duration * 1000, "error": record.error,
                "lines": bounded_lines(list(record.lines)), "at": time.time()}
        with self._lock:
            self.record["invocations"].append({k: call[k] for k in ("function", "request_id", "duration_ms")})
            self._pending.append(call)

    def _attach(self, item: dict[str, Any], request_id: str | None) -> None:
        """Give a Task attempt its handler's lines and billed duration: by Lambda request id, or
        (a runner that does not report it) by function and time."""
        if request_id is not None:
            window = [c for c in self._pending if c["request_id"] == request_id]
        else:
            arns = self.state_functions.get(item["state"], set())
            window = [c for c in self._pending if c["function"] in arns
                      and item["started"] - MATCH_SLACK_SECONDS <= c["at"] <= item["ended"] + MATCH_SLACK_SECONDS]
        if not window:
            return
        call = min(window, key=lambda c: abs(c["at"] - item["ended"]))
        self._pending.remove(call)
        item.update(lines=call["lines"], function=call["function"], request_id=call["request_id"],
                    duration_ms=call["duration_ms"])

    # -- the end -----------------------------------------------------------------------------
    def finish(self, execution: Any, extra: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None,
               ) -> dict[str, Any]:
        """The :class:`Execution` returned by the interpreter: outcome, output, then what ``extra``
        derives from the whole record (the cost); the final write."""
        with self._lock:
            self.record.update(
                status=execution.status.value, stopped=execution.stopped or time.time(),
                output=None if execution.output is None else self.payloads.put(execution.output),
                error=execution.error, cause=execution.cause, failed_state=execution.failed_state, running={},
            )
            if extra is not None:
                self.record.update(extra(self.record))
        self.flush(force=True)
        return self.record

    def abort(self, reason: BaseException) -> None:
        """The run stopped without an outcome (Ctrl-C, a definition the runner refused): say so."""
        with self._lock:
            self.record.update(status="ABORTED", stopped=time.time(), error=type(reason).__name__,
                               cause=str(reason) or None)
        self.flush(force=True)

    def flush(self, force: bool = False) -> None:
        """Rewrite ``run.json``: at most every FLUSH_SECONDS, and never spending more than a fifth of
        the run's time on it (a record with thousands of Map items takes a while to write)."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last_flush < self._interval:
                return
            write_record(self.folder, self.record)
            took = time.monotonic() - now
            self._last_flush = time.monotonic()
            self._interval = max(FLUSH_SECONDS, took * 4)
