"""Preview a :class:`~.plan.StackPlan` (``pulumi preview``); deploy and destroy run through
:class:`~.rollout.Rollout` (waves, bounded concurrency), over the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plan import Action, StackPlan
from .runner import Progress, StackResult, StackRunner


@dataclass
class PreviewExecutor:
    """Shows what the plan would change (``pulumi preview``) without changing anything."""

    runner: StackRunner
    progress: Progress

    def execute(self, plan: StackPlan) -> list[StackResult]:
        if plan.action is not Action.UP:
            raise ValueError("preview runs a deploy plan")
        return [self.runner.preview(stack, self.progress) for stack in plan.stacks]
