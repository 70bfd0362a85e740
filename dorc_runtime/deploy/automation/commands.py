"""preview / deploy / destroy / outputs as a table of contents: plan, check, confirm, execute.

Every side effect comes in through :class:`Seams`, built for real by :func:`real_seams` and by
tests with fakes; the task functions in ``dorc_runtime.tasks.deploy`` only parse arguments.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console
from rich.markup import escape

from ...errors import DeployError, DorcError, ProjectError
from ...names import check_name
from ...project import Project
from ...settings import DorcEnvironment
from .backend import Backend, passphrase, select_backend
from .executor import PreviewExecutor
from .fingerprints import FORCED, UNPLANNED, Decision, decide, decisions_report, offline_fingerprints
from .guards import confirm, git_status, refuse_dirty
from .live import summary_table
from .plan import (
    StackPlan,
    Target,
    blocking_stacks,
    deploy_plan,
    destroy_plan,
    orphan_notice,
    orphan_stacks,
    previewable,
    refuse_if_blocked,
    refuse_unknown_removed,
    skipped_preview_notice,
)
from .preflight import Needs, Probes, preflight
from .rollout import Report, Rollout
from .runner import Progress, StackResult, StackRunner
from .stacks import Layout, StackKind, StackRef
from .storage import HolderKind, Storage, data_holders, refuse_if_holding_data


@dataclass
class Seams:
    """Everything deploy touches outside its own memory."""

    console: Console
    progress: Progress
    probes: Probes
    make_runner: Callable[[Layout, Backend, str | None], StackRunner]
    git_status: Callable[[Any], list[str] | None]
    interactive: bool
    ask: Callable[[str], bool]
    needs_docker: Callable[[Layout, StackPlan], bool]
    storage: Callable[[str], Storage]  # region -> the buckets and repositories destroy checks
    # deploy's publish stage (images to the registry), run between universal and the pipelines
    publish: Callable[[Session, StackPlan], object] | None = None
    # each stack's fingerprint, planned offline; None: no skipping, every stack runs
    fingerprints: Callable[[Layout, Sequence[StackRef], str], Mapping[StackRef, str]] | None = None


@dataclass(frozen=True)
class Session:
    """One command's view of the project: where it is, its settings and where state lives."""

    layout: Layout
    settings: DorcEnvironment
    backend: Backend

    @classmethod
    def open(cls, project: Project, settings: DorcEnvironment) -> Session:
        return cls(Layout.read(project, settings), settings, select_backend(settings, project.root))

    def checked(self, needs: Needs, probes: Probes) -> Session:
        """Run preflight; the session then carries the account the programs get in AWS_ACCOUNT."""
        account = preflight(needs, self.settings, self.backend, probes, self.layout.account, self.layout.region)
        return replace(self, layout=replace(self.layout, account=account))


def resolve_target(
    project: Project,
    environment: str,
    pipeline: str | None,
    layer: str | None,
    include_universal: bool = False,
    removed_ok: bool = False,
) -> Target:
    """``removed_ok`` (destroy): a pipeline whose folder is gone is still a target, given its layer."""
    if pipeline is None:
        if layer is not None:
            raise DeployError("--layer only makes sense with --pipeline.", "add --pipeline <name>")
        return Target(environment, include_universal=include_universal)
    if include_universal:
        raise DeployError("--universal cannot be combined with --pipeline.", "drop one of them")
    if removed_ok and layer is not None and not project.pipeline_dir(layer, pipeline).is_dir():
        return Target(environment, check_name("layer", layer), check_name("pipeline", pipeline))
    try:
        layer, pipeline = project.resolve_pipeline(pipeline, layer)
    except ProjectError as error:
        if not removed_ok:
            raise
        raise ProjectError(
            error.message,
            f"{error.fix}; for a pipeline whose folder was removed, give its layer: "
            f"'invoke destroy --env {environment} --pipeline {pipeline} --layer <layer>'",
        ) from None
    return Target(environment, layer, pipeline)


def _runner(session: Session, seams: Seams) -> StackRunner:
    return seams.make_runner(session.layout, session.backend, passphrase(session.settings, session.backend))


def _show_plan(seams: Seams, title: str, plan: StackPlan, session: Session) -> None:
    seams.console.print(f"[bold]{title}[/] (state: {escape(session.backend.describe())})")
    seams.console.print(str(plan), markup=False, highlight=False)


def run_preview(session: Session, target: Target, seams: Seams) -> list[StackResult]:
    plan = deploy_plan(session.layout, target)
    _show_plan(seams, "Preview", plan, session)
    needs = Needs(docker=seams.needs_docker(session.layout, plan))
    session = session.checked(needs, seams.probes)
    runner = _runner(session, seams)
    infra = session.layout.infra(target.environment)
    plan, skipped = previewable(plan, runner.resource_count(infra) > 0)
    if skipped:
        notice = skipped_preview_notice(target.environment, skipped)
        seams.console.print(notice, markup=False, highlight=False, soft_wrap=True)
    return PreviewExecutor(runner, seams.progress).execute(plan)


def run_deploy(
    session: Session,
    target: Target,
    seams: Seams,
    yes: bool = False,
    allow_dirty: bool = False,
    run_all: bool = False,
    changed: bool = False,
    parallel: int = 1,
) -> list[StackResult]:
    """``changed``: only say which stacks would run and why; ``run_all``: ignore the fingerprints."""
    plan = deploy_plan(session.layout, target)
    _show_plan(seams, "Deploy", plan, session)
    if not changed:
        refuse_dirty(target.environment, seams.git_status(session.layout.root), allow_dirty)
    needs = Needs(docker=not changed and seams.needs_docker(session.layout, plan))
    session = session.checked(needs, seams.probes)
    runner = _runner(session, seams)
    backend = runner.backend_stacks()
    orphans = orphan_stacks(session.layout, backend)
    if orphans:
        seams.console.print(orphan_notice(orphans), markup=False, highlight=False, soft_wrap=True)
    decisions = _decisions(session, plan, seams, runner, backend, run_all)
    if seams.fingerprints is not None:
        seams.console.print(decisions_report(decisions, listing=changed), markup=False, highlight=False)
    if changed:
        return []
    confirm(replace(plan, stacks=tuple(d.stack for d in decisions if d.run)), yes, seams.interactive, seams.ask)
    publish = seams.publish
    before_pipelines = (lambda: publish(session, plan)) if publish else None
    with _live(seams.progress):
        report = Rollout(runner, seams.progress, parallel).deploy(decisions, before_pipelines)
    return _finish(seams, report, "Deploy")


def _decisions(
    session: Session, plan: StackPlan, seams: Seams, runner: StackRunner, backend: list[tuple[str, str]], run_all: bool
) -> list[Decision]:
    if seams.fingerprints is None:  # no offline planning: every stack runs
        return [Decision(stack, True, FORCED) for stack in plan.stacks]
    try:
        planned = seams.fingerprints(session.layout, plan.stacks, plan.target.environment)
    except DorcError as error:  # e.g. a program that needs real AWS: deploy as before, all stacks
        seams.console.print(f"Could not fingerprint the stacks offline, so every stack runs: {error.message}", markup=False, highlight=False)
        return [Decision(stack, True, UNPLANNED) for stack in plan.stacks]
    return decide(session.layout, plan.stacks, planned, runner.read_fingerprint, set(backend), run_all)


def _live(progress: Progress) -> AbstractContextManager[object]:
    return progress if isinstance(progress, AbstractContextManager) else nullcontext()


def _finish(seams: Seams, report: Report, title: str) -> list[StackResult]:
    """The summary table of every stack, then the first failure (if any) as the command's error."""
    seams.console.print(summary_table(report.outcomes, title))
    error = report.error()
    if error is not None:
        raise error
    return report.results


def run_destroy(
    session: Session, target: Target, seams: Seams, yes: bool = False, force: bool = False, parallel: int = 1
) -> list[StackResult]:
    plan = destroy_plan(session.layout, target)
    _show_plan(seams, "Destroy", plan, session)
    session = session.checked(Needs(), seams.probes)
    runner = _runner(session, seams)
    refuse_unknown_removed(session.layout, plan, runner.backend_stacks)
    blocking = blocking_stacks(session.layout, plan, runner.resource_count)
    if not target.single_pipeline:  # a removed pipeline's stacks read infra's outputs too
        orphans = orphan_stacks(session.layout, runner.backend_stacks())
        blocking += [stack for stack in orphans if stack.environment == target.environment]
    refuse_if_blocked(plan, blocking)
    storage = seams.storage(session.layout.region)
    holders = data_holders(session.layout, plan, runner.outputs, runner.resource_count)
    full = [holder for holder in holders if storage.holds_data(holder)]
    refuse_if_holding_data(full, force)
    confirm(plan, yes, seams.interactive, seams.ask)
    for holder in full:  # only with --force, after the confirmation
        seams.console.print(f"Emptied {holder} ({storage.empty(holder)} deleted)", markup=False, highlight=False)
    with _live(seams.progress):
        report = Rollout(runner, seams.progress, parallel).destroy(plan.stacks)
    if report.error() is None:
        for holder in holders:  # universal retains its repositories on delete; destroy means gone
            if holder.kind is HolderKind.REPOSITORY:
                storage.delete_repository(holder.name)
    return _finish(seams, report, "Destroy")


def outputs_stack(
    session: Session, environment: str, which: str, layer: str | None, pipeline: str | None
) -> StackRef:
    layout = session.layout
    kind = StackKind(which)
    if kind is StackKind.UNIVERSAL:
        return layout.universal()
    env = layout.check_environment(environment)
    if kind is StackKind.INFRA:
        return layout.infra(env)
    if layer is None or pipeline is None:
        raise DeployError(
            "--stack pipeline needs --pipeline (and --layer when ambiguous).", "add --pipeline <name>"
        )
    return layout.pipeline(env, layer, pipeline)


def run_outputs(session: Session, stack: StackRef, seams: Seams) -> dict[str, Any]:
    # reading outputs needs AWS credentials only when the state itself lives in S3
    session = session.checked(Needs(aws=False), seams.probes)
    return _runner(session, seams).outputs(stack)


# -- the real seams ----------------------------------------------------------------------------
def needs_docker(layout: Layout, plan: StackPlan) -> bool:
    """Docker builds images for functions packaged as images (the default) in the planned pipelines."""
    project = Project(layout.root)
    for stack in plan.stacks:
        if stack.kind is StackKind.PIPELINE and stack.layer and stack.pipeline:
            definition = project.load(stack.layer, stack.pipeline)
            if any(fn.package_type == "image" for fn in definition.functions):
                return True
    return False


def pipelines_of(plan: StackPlan) -> list[tuple[str, str]]:
    return [(s.layer, s.pipeline) for s in plan.stacks if s.kind is StackKind.PIPELINE and s.layer and s.pipeline]


def publish_images(session: Session, plan: StackPlan, console: Console) -> object:
    from ..publish.stage import run_publish

    account = session.layout.account.id
    if account is None:  # preflight resolves it (settings, else the credentials' account) before any deploy
        raise DeployError("No AWS account is known for the publish stage.", "set AWS_ACCOUNT in .env")
    return run_publish(session.layout.root, pipelines_of(plan), account, console)


def real_seams(console: Console | None = None, verbose: bool = False) -> Seams:
    from rich.prompt import Confirm

    from .live import LiveProgress
    from .preflight import system_probes
    from .storage import AwsStorage

    console = console or Console()

    def make_runner(layout: Layout, backend: Backend, secret: str | None) -> StackRunner:
        from .pulumi_runner import PulumiStackRunner

        return PulumiStackRunner(layout, backend, secret)

    return Seams(
        console=console,
        progress=LiveProgress(console, verbose),
        probes=system_probes(),
        make_runner=make_runner,
        git_status=git_status,
        interactive=sys.stdin.isatty(),
        ask=lambda question: Confirm.ask(question, console=console, default=False),
        needs_docker=needs_docker,
        storage=AwsStorage.for_region,
        publish=lambda session, plan: publish_images(session, plan, console),
        fingerprints=offline_fingerprints,
    )
