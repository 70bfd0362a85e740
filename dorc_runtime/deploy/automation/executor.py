"""Execute a :class:`~.plan.StackPlan`: the only stage with side effects.

A preview is a different executor over the same deploy plan, not different code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .plan import Action, StackPlan
from .runner import Progress, StackResult, StackRunner
from .stacks import StackKind, StackRef


@dataclass
class ApplyExecutor:
    """Deploys (``pulumi up``) or destroys every stack of the plan in order; stops at the first failure.

    ``before_pipelines`` runs once, before the first pipeline stack is deployed: the publish stage,
    which needs universal's repositories and must finish before a Lambda names its image.
    """

    runner: StackRunner
    progress: Progress
    before_pipelines: Callable[[], object] | None = None

    def execute(self, plan: StackPlan) -> list[StackResult]:
        step: Callable[[StackRef, Progress], StackResult]
        step = self.runner.up if plan.action is Action.UP else self.runner.destroy
        results = []
        pending = self.before_pipelines if plan.action is Action.UP else None
        for stack in plan.stacks:
            if pending is not None and stack.kind is StackKind.PIPELINE:
                pending()
                pending = None
            results.append(step(stack, self.progress))
        return results


@dataclass
class PreviewExecutor:
    """Shows what the plan would change (``pulumi preview``) without changing anything."""

    runner: StackRunner
    progress: Progress

    def execute(self, plan: StackPlan) -> list[StackResult]:
        if plan.action is not Action.UP:
            raise ValueError("preview runs a deploy plan")
        return [self.runner.preview(stack, self.progress) for stack in plan.stacks]
