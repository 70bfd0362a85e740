"""A live view of stacks running in parallel, and the summary table at the end.

On a terminal: rich's :class:`~rich.live.Live`, one line per running stack (name, resources done out
of those Pulumi has started so far, the current operation, elapsed time). In a CI log (no terminal)
a Live display would print nothing useful, so the same information goes out as plain lines, one per
stack start, resource step and finish. Stacks report from worker threads, so every update holds a
lock. The total is what the engine has announced so far: a ``pulumi up`` does not say up front how
many resources it will touch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from .runner import ResourceEvent, ResourceStatus, StackResult
from .scheduler import Outcome, Status
from .stacks import StackRef

RESULT_STYLE = {
    Status.DONE: "green",
    Status.SKIPPED: "dim",
    Status.FAILED: "bold red",
    Status.CANCELLED: "yellow",
    Status.NOT_STARTED: "dim",
}


@dataclass
class StackLine:
    action: str
    started: float
    seen: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    current: str = "starting"


@dataclass
class LiveProgress:
    """A :class:`~.runner.Progress` for many stacks at once; use as a context manager."""

    console: Console
    verbose: bool = False
    clock: Callable[[], float] = time.monotonic
    running: dict[StackRef, StackLine] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _live: Live | None = None

    def __enter__(self) -> LiveProgress:
        if self.console.is_terminal:
            self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=True)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    # -- Progress -----------------------------------------------------------------------------
    def stack_started(self, stack: StackRef, action: str) -> None:
        with self._lock:
            self.running[stack] = StackLine(action, self.clock())
            self._show(f"{stack.label}: {action} started")

    def resource(self, stack: StackRef, event: ResourceEvent) -> None:
        with self._lock:
            line = self.running.get(stack)
            if line is None:
                return
            key = f"{event.type}::{event.name}"
            line.seen.add(key)
            if event.status is ResourceStatus.STARTED:
                line.current = f"{event.op} {event.name}"
            else:
                line.done.add(key)
                line.current = f"{event.op} {event.name} {event.status.value}"
            if self._live is None and event.status is not ResourceStatus.STARTED:
                self.console.print(f"{escape(stack.label)}: {escape(line.current)}", highlight=False)

    def diagnostic(self, stack: StackRef, severity: str, message: str) -> None:
        with self._lock:
            style = "bold red" if severity == "error" else "yellow"
            self.console.print(f"[{style}]{escape(stack.label)} {severity}:[/] {escape(message)}")

    def output(self, stack: StackRef, line: str) -> None:
        if self.verbose:
            with self._lock:
                self.console.print(f"[dim]{escape(stack.label)} | {escape(line)}[/]", highlight=False)

    def stack_finished(self, result: StackResult) -> None:
        with self._lock:
            self.running.pop(result.stack, None)
            self._show(f"{result.stack.label}: {result.action} finished, {result.summary()}", always=True)

    # -- rendering ----------------------------------------------------------------------------
    def _show(self, text: str, always: bool = False) -> None:
        if self._live is not None:
            self._live.update(self._table())
            if always:
                self._live.console.print(escape(text), highlight=False)
        else:
            self.console.print(escape(text), highlight=False)

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        now = self.clock()
        for stack, line in list(self.running.items()):
            table.add_row(
                escape(stack.label), line.action, f"{len(line.done)}/{len(line.seen)}", escape(line.current), f"{now - line.started:.0f}s"
            )
        return table


def summary_table(outcomes: Sequence[Outcome], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("stack", "result", "changes", "duration"):
        table.add_column(column)
    for outcome in outcomes:
        style = RESULT_STYLE[outcome.status]
        changes = outcome.changes or (outcome.error.splitlines()[0] if outcome.error else "")
        duration = f"{outcome.seconds:.1f}s" if outcome.status in (Status.DONE, Status.FAILED, Status.CANCELLED) else ""
        table.add_row(escape(outcome.stack.label), f"[{style}]{outcome.status.value}[/]", escape(changes), duration)
    return table
