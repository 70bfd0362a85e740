"""Which stacks a deploy, preview or destroy touches, in which order (pure and printable).

deploy: universal -> infra[env] -> every pipeline[env] (or universal -> the asked pipeline).
destroy: the reverse; universal and infra only when no pipeline stack would be left behind
needing them (checked with :func:`blocking_stacks` through the runner seam).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from ...errors import DeployError
from ...naming import Naming
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
        # universal first: it creates the repository of a new function, which the publish stage
        # pushes to before the pipeline's stack names the image
        stacks: tuple[StackRef, ...] = (layout.universal(), layout.pipeline(env, target.layer, target.pipeline))
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


# -- stacks left behind by a removed or renamed pipeline ---------------------------------------
def orphan_stacks(layout: Layout, backend: Iterable[tuple[str, str]]) -> list[StackRef]:
    """Pipeline stacks in the backend (``(Pulumi project, stack)`` pairs) whose folder is gone.

    Their Lambdas, state machine and triggers keep running until destroyed. A pipeline's Pulumi
    project is ``<slug>-<layer>-<pipeline>`` and names may hold hyphens, so the split prefers a
    layer folder that still exists (the usual case: a pipeline removed or renamed in its layer).
    """
    slug = layout.slug
    known = {Naming.universal_project(slug), Naming.infra_project(slug)}
    known |= {Naming.pipeline_project(slug, layer, name) for layer, name in layout.pipelines}
    found: list[StackRef] = []
    for project, stack in sorted(set(backend)):
        if project in known or not project.startswith(f"{slug}-") or stack not in layout.environments:
            continue
        split = _layer_and_pipeline(layout, project.removeprefix(f"{slug}-"))
        if split is not None:
            found.append(layout.pipeline(stack, *split))
    return found


def _layer_and_pipeline(layout: Layout, rest: str) -> tuple[str, str] | None:
    splits = [(rest[:i], rest[i + 1 :]) for i, char in enumerate(rest) if char == "-" and 0 < i < len(rest) - 1]
    existing = [s for s in splits if (layout.root / "src" / s[0]).is_dir()]
    return (existing or splits or [None])[0]


def orphan_notice(orphans: Sequence[StackRef]) -> str:
    lines = [f"{len(orphans)} stack(s) in the backend belong to pipelines whose folder no longer exists;"
             " their resources keep running until you destroy them:"]  # fmt: skip
    for stack in orphans:
        lines.append(
            f"  - {stack.label}: invoke destroy --env {stack.environment} "
            f"--pipeline {stack.pipeline} --layer {stack.layer}"
        )
    return "\n".join(lines)


def refuse_unknown_removed(
    layout: Layout, plan: StackPlan, backend_stacks: Callable[[], list[tuple[str, str]]]
) -> None:
    """A pipeline target with no folder must at least have a stack in the backend."""
    missing = [s for s in plan.stacks if s.kind is StackKind.PIPELINE and not s.work_dir.is_dir()]
    if not missing:
        return
    backend = set(backend_stacks())
    for stack in missing:
        assert stack.layer is not None and stack.pipeline is not None
        project = Naming.pipeline_project(layout.slug, stack.layer, stack.pipeline)
        if (project, stack.name) not in backend:
            raise DeployError(
                f"There is no pipeline {stack.layer}/{stack.pipeline}: no folder "
                f"src/{stack.layer}/{stack.pipeline} and no stack {project}/{stack.name} in the backend.",
                f"check the names; 'invoke deploy --env {stack.environment}' lists the stacks of removed pipelines",
            )
