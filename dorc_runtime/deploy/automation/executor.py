"""Execute a :class:`~.plan.StackPlan`: the only stage with side effects.

A preview is a different executor over the same deploy plan, not different code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .plan import Action, StackPlan
from .runner import Progress, StackResult, StackRunner
from .stacks import StackRef


@dataclass
class ApplyExecutor:
    """Deploys (``pulumi up``) or destroys every stack of the plan in order; stops at the first failure."""

    runner: StackRunner
    progress: Progress

    def execute(self, plan: StackPlan) -> list[StackResult]:
        step: Callable[[StackRef, Progress], StackResult]
        step = self.runner.up if plan.action is Action.UP else self.runner.destroy
        return [step(stack, self.progress) for stack in plan.stacks]


@dataclass
class PreviewExecutor:
    """Shows what the plan would change (``pulumi preview``) without changing anything."""

    runner: StackRunner
    progress: Progress

    def execute(self, plan: StackPlan) -> list[StackResult]:
        if plan.action is not Action.UP:
            raise ValueError("preview runs a deploy plan")
        return [self.runner.preview(stack, self.progress) for stack in plan.stacks]
