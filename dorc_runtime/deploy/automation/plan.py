"""Which stacks a deploy, preview or destroy touches, in which order (pure and printable).

deploy: universal -> infra[env] -> every pipeline[env] (or only the asked pipeline).
destroy: the reverse; universal and infra only when no pipeline stack would be left behind
needing them (checked with :func:`blocking_stacks` through the runner seam).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from ...errors import DeployError
from .stacks import Layout, StackKind, StackRef


class Action(str, Enum):
    UP = "up"
    DESTROY = "destroy"


@dataclass(frozen=True)
class Target:
    """What the user asked for: a whole environment or one pipeline of it."""

    environment: str
    layer: str | None = None
    pipeline: str | None = None
    include_universal: bool = False  # destroy only: universal serves every environment

    @property
    def single_pipeline(self) -> bool:
        return self.pipeline is not None


@dataclass(frozen=True)
class StackPlan:
    action: Action
    target: Target
    stacks: tuple[StackRef, ...]

    def lines(self) -> list[str]:
        verb = "deploy" if self.action is Action.UP else "destroy"
        return [f"{i}. {verb} {stack.label}" for i, stack in enumerate(self.stacks, 1)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def deploy_plan(layout: Layout, target: Target) -> StackPlan:
    env = layout.check_environment(target.environment)
    if target.single_pipeline:
        assert target.layer is not None and target.pipeline is not None
        stacks: tuple[StackRef, ...] = (layout.pipeline(env, target.layer, target.pipeline),)
    else:
        stacks = (layout.universal(), layout.infra(env), *layout.pipeline_stacks(env))
    return StackPlan(Action.UP, target, stacks)


def destroy_plan(layout: Layout, target: Target) -> StackPlan:
    env = layout.check_environment(target.environment)
    if target.single_pipeline:
        assert target.layer is not None and target.pipeline is not None
        return StackPlan(Action.DESTROY, target, (layout.pipeline(env, target.layer, target.pipeline),))
    stacks = [*reversed(layout.pipeline_stacks(env)), layout.infra(env)]
    if target.include_universal:
        stacks.append(layout.universal())
    return StackPlan(Action.DESTROY, target, tuple(stacks))


def previewable(plan: StackPlan, infra_deployed: bool) -> tuple[StackPlan, tuple[StackRef, ...]]:
    """The stacks a preview can run, and the pipeline stacks it must skip.

    A pipeline program reads infra's outputs through a StackReference; before infra has been
    deployed there are none, and ``require_output`` would fail the preview of every pipeline.
    """
    if infra_deployed:
        return plan, ()
    skipped = tuple(stack for stack in plan.stacks if stack.kind is StackKind.PIPELINE)
    kept = tuple(stack for stack in plan.stacks if stack.kind is not StackKind.PIPELINE)
    return StackPlan(plan.action, plan.target, kept), skipped


def skipped_preview_notice(environment: str, skipped: tuple[StackRef, ...]) -> str:
    return (
        f"Skipping the preview of {len(skipped)} pipeline stack(s): infra [{environment}] is not deployed "
        f"yet, so they have no outputs to read; 'invoke deploy --env {environment}' creates infra first, "
        "then them."
    )


def dependants(layout: Layout, stack: StackRef) -> list[StackRef]:
    """Stacks that read ``stack``'s outputs through a StackReference and must go first."""
    if stack.kind is StackKind.INFRA:
        assert stack.environment is not None
        return layout.pipeline_stacks(stack.environment)
    if stack.kind is StackKind.UNIVERSAL:
        found: list[StackRef] = []
        for env in layout.environments:
            found += [layout.infra(env), *layout.pipeline_stacks(env)]
        return found
    return []


def blocking_stacks(
    layout: Layout, plan: StackPlan, resource_count: Callable[[StackRef], int]
) -> list[StackRef]:
    """Stacks with resources that depend on a stack the plan destroys but are not destroyed first."""
    if plan.action is not Action.DESTROY:
        return []
    destroyed: set[StackRef] = set()
    blocking: list[StackRef] = []
    for stack in plan.stacks:
        for other in dependants(layout, stack):
            if other not in destroyed and other not in blocking and resource_count(other) > 0:
                blocking.append(other)
        destroyed.add(stack)
    return blocking


def refuse_if_blocked(plan: StackPlan, blocking: Iterable[StackRef]) -> None:
    blocking = list(blocking)
    if not blocking:
        return
    names = ", ".join(stack.label for stack in blocking)
    first = next(s for s in blocking)
    if first.kind is StackKind.PIPELINE:
        fix = (
            f"destroy them first, e.g. 'invoke destroy --env {first.environment} "
            f"--pipeline {first.pipeline} --layer {first.layer}'"
        )
    else:
        fix = f"destroy environment {first.environment} first: 'invoke destroy --env {first.environment}'"
    raise DeployError(
        f"Refusing to destroy: {names} still exist(s) and depend on what would be removed.", fix
    )
