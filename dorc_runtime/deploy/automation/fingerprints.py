"""Which stacks a deploy can skip: a fingerprint of everything that determines a stack's resources.

A stack's fingerprint is a SHA-256 of the planned inputs of every resource (and component) and the
outputs that ``invoke plan`` computes offline under Pulumi's mocks, plus dorc's and the providers'
versions. It is recorded as the stack tag :data:`FINGERPRINT_TAG` after a successful ``up`` only
(see :mod:`.scheduler`); the next deploy plans again and runs only the stacks whose fingerprint
differs, has no record, or whose stack holds no resources. A tag rather than an output or a file:
it lives with the stack in whichever backend holds it (file, S3, Pulumi Cloud), so it is per
environment and survives a fresh clone; it needs no change to the programs; and ``stack rm``
deletes it with the stack. Pure apart from :func:`offline_fingerprints`, which runs the plan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ... import __version__ as DORC_VERSION
from ...naming import Naming
from ..context import DEFAULT_ORGANIZATION
from .stacks import Layout, StackKind, StackRef

FINGERPRINT_TAG = "dorc:fingerprint"
# the SDK and providers whose upgrade can change what a program registers or how it is applied
PROVIDERS = ("pulumi", "pulumi-aws", "pulumi-docker")
PROJECT_ROOT = "<project>"  # stands in for the checkout's folder, so a fresh clone elsewhere matches


def tool_versions() -> dict[str, str]:
    versions = {"dorc": DORC_VERSION}
    for name in PROVIDERS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def pulumi_project(layout: Layout, stack: StackRef) -> str:
    if stack.kind is StackKind.UNIVERSAL:
        return Naming.universal_project(layout.slug)
    if stack.kind is StackKind.INFRA:
        return Naming.infra_project(layout.slug)
    assert stack.layer is not None and stack.pipeline is not None
    return Naming.pipeline_project(layout.slug, stack.layer, stack.pipeline)


def plan_label(stack: StackRef) -> str:
    """The label ``invoke plan`` (:func:`dorc_runtime.deploy.plan.program_stacks`) gives the stack."""
    if stack.kind is StackKind.PIPELINE:
        return f"{stack.layer}/{stack.pipeline} [{stack.environment}]"
    return stack.label


def fingerprint(resources: Iterable[Mapping[str, Any]], outputs: Mapping[str, Any], versions: Mapping[str, str], root: Path) -> str:
    canonical = json.dumps(
        {"resources": sorted(resources, key=lambda r: (r["type"], r["name"])), "outputs": outputs, "versions": versions},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.replace(str(root), PROJECT_ROOT).encode()).hexdigest()


def plan_fingerprints(plan: Any, layout: Layout, stacks: Sequence[StackRef], versions: Mapping[str, str]) -> dict[StackRef, str]:
    """Fingerprints of ``stacks`` from a :class:`dorc_runtime.deploy.plan.Plan` that planned them."""
    by_label: dict[str, list[dict[str, Any]]] = {}
    for resource in [*plan.resources, *plan.components]:
        by_label.setdefault(resource.stack, []).append(resource.to_json())
    found = {}
    for stack in stacks:
        label = plan_label(stack)
        if label not in plan.stacks:
            continue
        reference = Naming.stack_reference(DEFAULT_ORGANIZATION, pulumi_project(layout, stack), stack.name)
        found[stack] = fingerprint(by_label.get(label, []), plan.outputs.get(reference, {}), versions, layout.root)
    return found


def offline_fingerprints(layout: Layout, stacks: Sequence[StackRef], environment: str) -> dict[StackRef, str]:
    """Plan the project offline (no CLI, no AWS) and fingerprint ``stacks``."""
    from ..plan import plan_project

    pipelines = [s for s in stacks if s.kind is StackKind.PIPELINE]
    only = pipelines[0] if len(pipelines) == 1 and not any(s.kind is StackKind.INFRA for s in stacks) else None
    plan = plan_project(
        layout.root,
        environment,
        layer=only.layer if only else None,
        pipeline=only.pipeline if only else None,
        account=layout.account.id,
    )
    return plan_fingerprints(plan, layout, stacks, tool_versions())


# -- deciding -----------------------------------------------------------------------------------
ALWAYS = "always runs: it creates the repositories the publish stage pushes to"
FORCED = "--all"
NOT_DEPLOYED = "not deployed yet (no resources in the backend)"
NO_RECORD = "no fingerprint recorded (never deployed by this version of dorc, or the last up failed)"
CHANGED = "changed since the last successful deploy"
UNCHANGED = "unchanged since the last successful deploy"
UNPLANNED = "the offline plan failed, so nothing can be compared"


@dataclass(frozen=True)
class Decision:
    stack: StackRef
    run: bool
    reason: str
    fingerprint: str | None = None  # recorded after a successful up


def decide(
    layout: Layout,
    stacks: Sequence[StackRef],
    planned: Mapping[StackRef, str],
    recorded: Callable[[StackRef], str | None],
    deployed: Collection[tuple[str, str]],
    run_all: bool = False,
) -> list[Decision]:
    """Run a stack unless its fingerprint matches the recorded one and it still holds resources.

    ``deployed`` holds the ``(Pulumi project, stack)`` pairs that have resources in the backend, so
    a stack destroyed outside dorc (its tag kept) runs again.
    """
    decisions = []
    for stack in stacks:
        current = planned.get(stack)
        if stack.kind is StackKind.UNIVERSAL:
            decisions.append(Decision(stack, True, ALWAYS, current))
        elif run_all:
            decisions.append(Decision(stack, True, FORCED, current))
        elif (pulumi_project(layout, stack), stack.name) not in deployed:
            decisions.append(Decision(stack, True, NOT_DEPLOYED, current))
        else:
            previous = recorded(stack)
            if previous is None:
                decisions.append(Decision(stack, True, NO_RECORD, current))
            elif previous != current:
                decisions.append(Decision(stack, True, CHANGED, current))
            else:
                decisions.append(Decision(stack, False, UNCHANGED, current))
    return decisions


def decisions_report(decisions: Sequence[Decision], listing: bool = False) -> str:
    """Which stacks run and why; the skipped ones too, or only counted unless ``listing``."""
    run = [d for d in decisions if d.run]
    skipped = [d for d in decisions if not d.run]
    lines = [f"{len(run)} stack(s) to deploy, {len(skipped)} unchanged and skipped:"]
    lines += [f"  run  {d.stack.label}: {d.reason}" for d in run]
    if listing or len(skipped) <= 10:
        lines += [f"  skip {d.stack.label}: {d.reason}" for d in skipped]
    else:
        lines.append(f"  skip {len(skipped)} stacks: {UNCHANGED} ('--changed' lists them, '--all' runs them)")
    return "\n".join(lines)
