"""Deploy or destroy a plan in waves with the :class:`~.scheduler.Scheduler`: the side-effect stage.

Deploy runs the stacks :func:`~.fingerprints.decide` chose and records each one's fingerprint only
after its ``up`` succeeded; a failed, cancelled or not-started stack keeps its old record (or
none), so the next deploy runs it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...errors import DeployError, DorcError
from .fingerprints import Decision
from .runner import Progress, StackResult, StackRunner
from .scheduler import Outcome, Scheduler, deploy_waves, destroy_waves, failure
from .stacks import StackKind, StackRef


@dataclass
class Rollout:
    runner: StackRunner
    progress: Progress
    parallel: int = 1

    def deploy(self, decisions: Sequence[Decision], before_pipelines: Callable[[], object] | None = None) -> Report:
        chosen = {d.stack: d for d in decisions}

        def up(stack: StackRef) -> StackResult:
            result = self.runner.up(stack, self.progress)
            fingerprint = chosen[stack].fingerprint
            if fingerprint is not None:
                self._record(stack, fingerprint)
            return result

        scheduler = self._scheduler(up)
        for wave in deploy_waves([d.stack for d in decisions]):
            if wave and wave[0].kind is StackKind.PIPELINE and before_pipelines is not None and not scheduler.stopped:
                before_pipelines()
            scheduler.skip([s for s in wave if not chosen[s].run])
            scheduler.run_wave([s for s in wave if chosen[s].run])
        return self._finish(scheduler, "deploy")

    def destroy(self, stacks: Sequence[StackRef]) -> Report:
        scheduler = self._scheduler(lambda stack: self.runner.destroy(stack, self.progress))
        for wave in destroy_waves(stacks):
            scheduler.run_wave(wave)
        return self._finish(scheduler, "destroy")

    def _scheduler(self, step: Callable[[StackRef], StackResult]) -> Scheduler:
        return Scheduler(step, self.parallel, cancel=self.runner.cancel)

    def _record(self, stack: StackRef, fingerprint: str) -> None:
        try:
            self.runner.record_fingerprint(stack, fingerprint)
        except DorcError as error:  # the stack is deployed; only the next skip is lost
            self.progress.diagnostic(
                stack, "warning", f"fingerprint not recorded, the next deploy runs this stack again: {error.message}"
            )

    @staticmethod
    def _finish(scheduler: Scheduler, verb: str) -> Report:
        return Report(verb, tuple(scheduler.outcomes), scheduler.interrupted)


@dataclass(frozen=True)
class Report:
    """What a deploy or destroy did to every stack; the caller shows it, then raises :meth:`error`."""

    verb: str
    outcomes: tuple[Outcome, ...]
    interrupted: bool = False

    @property
    def results(self) -> list[StackResult]:
        return [o.result for o in self.outcomes if o.result is not None]

    def error(self) -> DeployError | None:
        return failure(self.outcomes, self.interrupted, self.verb)
