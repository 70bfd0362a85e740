"""Run a plan's stacks in waves, each wave's stacks N at a time, and say what happened to each.

Deploy: universal -> (publish) -> infra -> every pipeline; destroy: the reverse. A pipeline stack
reads only universal's and infra's outputs and names other pipelines' resources by derived ARNs
(:mod:`dorc_runtime.naming`), never through a StackReference, so the stacks of one wave are
independent and run in parallel, one Pulumi workspace (and process) each.

After the first failure no further stack starts; the stacks already running finish and are
reported. Ctrl-C does the same, asks every running stack to cancel (``pulumi cancel`` through
:meth:`StackRunner.cancel`) and waits for them, so none is left locked.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

from ...errors import DeployError, DorcError
from .runner import Progress, StackResult
from .stacks import StackKind, StackRef

MAX_DEFAULT_PARALLEL = 4  # Pulumi engines are memory- and API-hungry; more rarely helps
POLL_SECONDS = 0.1  # how soon a Ctrl-C is acted on while stacks run


def default_parallel() -> int:
    return max(1, min(MAX_DEFAULT_PARALLEL, os.cpu_count() or 1))


class Status(str, Enum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"
    NOT_STARTED = "not started"


@dataclass(frozen=True)
class Outcome:
    stack: StackRef
    status: Status
    result: StackResult | None = None
    error: str = ""
    seconds: float = 0.0

    @property
    def changes(self) -> str:
        return self.result.summary() if self.result else ""


Step = Callable[[StackRef], StackResult]


@dataclass
class Scheduler:
    """Runs waves of independent stacks with at most ``parallel`` at a time."""

    step: Step
    parallel: int = 1
    cancel: Callable[[StackRef], None] = lambda stack: None
    clock: Callable[[], float] = time.monotonic
    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False

    def __post_init__(self) -> None:
        if self.parallel < 1:
            raise DeployError(f"--parallel {self.parallel} runs nothing.", "use --parallel 1 or more")

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in (Status.FAILED, Status.CANCELLED)]

    @property
    def stopped(self) -> bool:
        return self.interrupted or bool(self.failed)

    def skip(self, stacks: Sequence[StackRef]) -> None:
        self.outcomes += [Outcome(stack, Status.SKIPPED) for stack in stacks]

    def run_wave(self, stacks: Sequence[StackRef]) -> None:
        if self.stopped:
            self.outcomes += [Outcome(stack, Status.NOT_STARTED) for stack in stacks]
            return
        pending = list(stacks)
        running: dict[Future[StackResult], tuple[StackRef, float]] = {}
        ctrl_c = threading.Event()
        with _ctrl_c_sets(ctrl_c), ThreadPoolExecutor(self.parallel, thread_name_prefix="dorc-stack") as pool:
            while pending or running:
                if ctrl_c.is_set() and not self.interrupted:
                    self._interrupt([stack for stack, _ in running.values()])
                while pending and len(running) < self.parallel and not self.stopped:
                    stack = pending.pop(0)
                    running[pool.submit(self.step, stack)] = (stack, self.clock())
                if self.stopped:
                    self.outcomes += [Outcome(stack, Status.NOT_STARTED) for stack in pending]
                    pending = []
                if running:
                    self._collect(running, wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED).done)

    def _collect(self, running: dict[Future[StackResult], tuple[StackRef, float]], done: set[Future[StackResult]]) -> None:
        for future in done:
            stack, started = running[future]
            self.outcomes.append(self._outcome(stack, future, self.clock() - started))
            del running[future]

    def _interrupt(self, running: Sequence[StackRef]) -> None:
        self.interrupted = True
        for stack in running:
            threading.Thread(target=self._cancel, args=(stack,), daemon=True).start()

    def _cancel(self, stack: StackRef) -> None:
        try:
            self.cancel(stack)
        except DorcError:
            pass  # the stack may have just finished; its own outcome says how

    def _outcome(self, stack: StackRef, future: Future[StackResult], seconds: float) -> Outcome:
        error = future.exception()
        if error is None:
            return Outcome(stack, Status.DONE, future.result(), seconds=seconds)
        status = Status.CANCELLED if self.interrupted else Status.FAILED
        message = error.message if isinstance(error, DorcError) else f"{type(error).__name__}: {error}"
        return Outcome(stack, status, error=message, seconds=seconds)


@contextmanager
def _ctrl_c_sets(event: threading.Event) -> Iterator[None]:
    """While stacks run, Ctrl-C only sets ``event``: a KeyboardInterrupt could land anywhere in the
    main thread (even inside ``ThreadPoolExecutor.submit``, leaving a worker nobody waits for).
    Pulumi CLIs in the same process group get the SIGINT too and stop their update themselves.
    Only the main thread can set a signal handler; elsewhere Ctrl-C never arrives anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: event.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def deploy_waves(stacks: Sequence[StackRef]) -> list[list[StackRef]]:
    """universal, then infra, then every pipeline: each wave only after the one before."""
    order = (StackKind.UNIVERSAL, StackKind.INFRA, StackKind.PIPELINE)
    return [[s for s in stacks if s.kind is kind] for kind in order]


def destroy_waves(stacks: Sequence[StackRef]) -> list[list[StackRef]]:
    return list(reversed(deploy_waves(stacks)))


def failure(outcomes: Sequence[Outcome], interrupted: bool, verb: str) -> DeployError | None:
    """One error for the whole run: the first failure's message, and what became of the rest."""
    bad = [o for o in outcomes if o.status in (Status.FAILED, Status.CANCELLED)]
    if not bad and not interrupted:
        return None
    completed = sorted(o.stack.label for o in outcomes if o.status is Status.DONE)
    not_started = [o.stack.label for o in outcomes if o.status is Status.NOT_STARTED]
    done_text = ", ".join(completed) or "none"
    tail = f" Completed: {done_text}. Not started: {len(not_started)}."
    if interrupted:
        cancelled = ", ".join(o.stack.label for o in bad) or "none"
        return DeployError(
            f"Interrupted: {verb} stopped; cancelled (lock released): {cancelled}.{tail}",
            "run the same command again; completed stacks are skipped as unchanged"
            if verb == "deploy" else "run the same command again",
        )
    first = bad[0]
    others = f" {len(bad) - 1} other stack(s) failed too (see the table)." if len(bad) > 1 else ""
    return DeployError(
        f"{first.stack.label}: {first.error}{others}{tail}",
        "fix the first error and run the same command again",
    )


def run_step(
    step: Callable[[StackRef, Progress], StackResult], progress: Progress
) -> Step:
    return lambda stack: step(stack, progress)
