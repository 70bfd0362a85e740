"""``invoke plan``: run the project's real Pulumi programs under Pulumi's unit-test mocks.

No CLI, no engine, no credentials: each program (universal, infra, every pipeline) runs in this
process as ``__main__`` with the project root on ``sys.path``, the way Pulumi runs it, and the mocks
record every resource. Stacks run in deploy order so each StackReference sees the outputs of the
stacks before it. The result lists every resource, state-machine definition and IAM policy.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import runpy
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from ..errors import DeployError, DorcError, ProjectError
from ..naming import ENV_ENVIRONMENT, LOCAL_ACCOUNT, Naming
from ..project import SETTINGS_MODULE, Project, on_sys_path
from ..settings import ProjectSettings, resolve_settings
from .context import DEFAULT_ORGANIZATION
from .mocks import RecordingMocks, RecordingMonitor, Registration, physical_name
from .packaging import PlanOnlyPackager, using_packager

PROGRAM = "__main__.py"

# The properties worth a glance in the table, per resource type (the JSON has every input).
KEY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "aws:ecr/repository:Repository": ("imageTagMutability",),
    "aws:lambda/function:Function": ("packageType", "memorySize", "timeout", "architectures", "reservedConcurrentExecutions", "imageUri"),
    "aws:cloudwatch/logGroup:LogGroup": ("retentionInDays",),
    "aws:sfn/stateMachine:StateMachine": ("type",),
    "aws:cloudwatch/eventRule:EventRule": ("scheduleExpression", "state"),
    "aws:scheduler/schedule:Schedule": ("scheduleExpression", "scheduleExpressionTimezone", "state"),
    "aws:cloudwatch/eventTarget:EventTarget": ("arn",),
    "aws:s3/bucketVersioning:BucketVersioning": ("versioningConfiguration",),
    "aws:sns/topicSubscription:TopicSubscription": ("protocol", "endpoint"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("policyArn",),
    "aws:ec2/securityGroup:SecurityGroup": ("vpcId",),
}
POLICY_INPUTS = {
    "aws:iam/role:Role": ("assumeRolePolicy", "trust"),
    "aws:iam/rolePolicy:RolePolicy": ("policy", "identity"),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy", "resource"),
    "aws:sns/topicPolicy:TopicPolicy": ("policy", "resource"),
}
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"


@dataclass(frozen=True)
class PlannedResource:
    stack: str
    type: str
    name: str
    physical_name: str | None
    properties: dict[str, Any]
    inputs: dict[str, Any]
    parent: str = ""
    depends_on: tuple[str, ...] = ()  # logical names
    retain_on_delete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "type": self.type,
            "name": self.name,
            "physical_name": self.physical_name,
            "properties": self.properties,
            "inputs": self.inputs,
            "parent": self.parent,
            "depends_on": list(self.depends_on),
            "retain_on_delete": self.retain_on_delete,
        }


@dataclass(frozen=True)
class ProgramStack:
    """One Pulumi program to plan: where it is and which project/stack it runs as."""

    label: str
    program: Path
    project: str
    stack: str
    organization: str = DEFAULT_ORGANIZATION

    @property
    def qualified_name(self) -> str:
        return Naming.stack_reference(self.organization, self.project, self.stack)


@dataclass
class Plan:
    environment: str
    region: str
    account: str
    stacks: list[str] = field(default_factory=list)
    resources: list[PlannedResource] = field(default_factory=list)
    components: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)

    def of_type(self, typ: str, stack: str | None = None) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == typ and (stack is None or r.stack == stack)]

    def state_machines(self) -> list[dict[str, Any]]:
        return [
            {"stack": r.stack, "name": r.physical_name, "definition": json.loads(r.inputs["definition"])}
            for r in self.of_type(STATE_MACHINE)
        ]

    def policies(self) -> list[dict[str, Any]]:
        found = []
        for r in self.resources:
            if r.type in POLICY_INPUTS:
                key, kind = POLICY_INPUTS[r.type]
                found.append(
                    {"stack": r.stack, "resource": r.name, "type": r.type, "kind": kind, "document": json.loads(r.inputs[key])}
                )
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "region": self.region,
            "account": self.account,
            "stacks": self.stacks,
            "outputs": self.outputs,
            "resources": [r.to_json() for r in self.resources],
            "state_machines": self.state_machines(),
            "policies": self.policies(),
            "zip_packages": self.packages,
        }


# Resources without a name of their own are shown by what they attach to.
ATTACHED_TO = ("role", "repository", "rule", "arn")


def normalise(value: Any) -> Any:
    """Pulumi sends every number as a float; integral ones read better (and compare) as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, pulumi.Asset | pulumi.Archive):  # e.g. a zip function's FileArchive
        return {type(value).__name__: getattr(value, "path", None) or getattr(value, "uri", None)}
    return value


def display_name(registration: Registration) -> str | None:
    name = physical_name(registration.type, registration.inputs)
    if name is not None:
        return name
    for key in ATTACHED_TO:
        value = registration.inputs.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _logical(urn: str) -> str:
    """'urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>' -> '<type>::<name>'."""
    if not urn:
        return ""
    parts = urn.split("::")
    return f"{parts[2].split('$')[-1]}::{parts[3]}"


def planned(stack: str, registration: Registration) -> PlannedResource:
    keys = KEY_PROPERTIES.get(registration.type, ())
    inputs = normalise(registration.inputs)
    return PlannedResource(
        stack=stack,
        type=registration.type,
        name=registration.name,
        physical_name=display_name(registration),
        properties={k: inputs[k] for k in keys if k in inputs},
        inputs=inputs,
        parent=_logical(registration.parent),
        depends_on=tuple(_logical(urn) for urn in registration.dependencies),
        retain_on_delete=registration.retain_on_delete,
    )


# -- running one program under mocks ---------------------------------------------------------------
@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _environment_variables(values: dict[str, str]) -> Iterator[None]:
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _without_source_positions() -> Iterator[None]:
    """Skip the SDK's per-resource call-stack capture (source positions for the engine's
    diagnostics): the mock monitor discards them, and on a large project they were a third of
    the plan's time. Restored afterwards; a no-op on SDKs without the hook."""
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime.proto import source_pb2

    original = getattr(runtime_resource, "_get_stack_trace", None)
    if original is None:
        yield
        return
    runtime_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        runtime_resource._get_stack_trace = original


def _forget_project_modules() -> None:
    """Programs import ``project_settings``; a cached one from another project must not leak in."""
    sys.modules.pop(SETTINGS_MODULE, None)


def run_program(target: ProgramStack, mocks: RecordingMocks, config: dict[str, str], project_root: Path) -> dict[str, Any]:
    """Run one Pulumi program under ``mocks`` and return its resolved stack outputs.

    Each run starts from fresh runtime state (settings, root stack, config, event loop), which is
    what Pulumi itself has when it starts a program.
    """
    previous_loop = _current_loop()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi_settings.reset_options(project=target.project, stack=target.stack, organization=target.organization)
        pulumi_config.set_all_config(config)
        pulumi.runtime.set_mocks(
            mocks,
            project=target.project,
            stack=target.stack,
            preview=False,
            organization=target.organization,
            monitor=RecordingMonitor(mocks),
        )
        with _working_directory(target.program.parent), on_sys_path(project_root):
            try:
                _sync_await(run_pulumi_func(lambda: runpy.run_path(str(target.program), run_name="__main__")))
            except DorcError:
                raise
            except Exception as exc:
                raise DeployError(
                    f"{target.label}: the Pulumi program {target.program} failed: {type(exc).__name__}: {exc}",
                    "fix the program (run 'invoke validate' for pipeline problems)",
                ) from exc
            root = pulumi_settings.get_root_resource()
            exports = getattr(root, "outputs", {})
            return {key: _sync_await(pulumi.Output.from_input(value).future()) for key, value in exports.items()}
    finally:
        loop.close()
        # Leave the caller's event loop as it was (a fresh one if it had none): code that runs
        # after a plan in the same thread, such as another Pulumi program, needs one.
        asyncio.set_event_loop(previous_loop if previous_loop and not previous_loop.is_closed() else asyncio.new_event_loop())
        pulumi_settings.reset_options()


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


# -- which programs ----------------------------------------------------------------------------------
def program_stacks(
    project: Project, settings: ProjectSettings, environment: str, pipelines: Sequence[tuple[str, str]]
) -> list[ProgramStack]:
    slug = settings.universal.slug
    naming = Naming(slug, environment)
    stacks = [
        ProgramStack("universal", settings.universal_dir / PROGRAM, Naming.universal_project(slug), Naming.UNIVERSAL_STACK),
        ProgramStack(f"infra [{environment}]", settings.infra_dir / PROGRAM, Naming.infra_project(slug), naming.infra_stack()),
    ]
    for layer, pipeline in pipelines:
        stacks.append(
            ProgramStack(
                f"{layer}/{pipeline} [{environment}]",
                project.pipeline_dir(layer, pipeline) / PROGRAM,
                Naming.pipeline_project(slug, layer, pipeline),
                naming.pipeline_stack(),
            )
        )
    for stack in stacks:
        if not stack.program.is_file():
            raise ProjectError(f"{stack.label}: {stack.program} does not exist.", "restore it from the template")
    return stacks


PARALLEL_MIN_PIPELINES = 16  # below this, starting processes costs more than it saves


def default_workers(pipelines: int) -> int:
    if pipelines < PARALLEL_MIN_PIPELINES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def plan_project(
    root: Path,
    environment: str,
    *,
    layer: str | None = None,
    pipeline: str | None = None,
    account: str | None = None,
    workers: int | None = None,
) -> Plan:
    """Plan universal, infra and every pipeline of ``environment`` (or only one pipeline's resources).

    The account is resolved as deploy resolves it (``dorc_runtime.settings``); ``account`` fills in
    for a project that names none, so the plan works without credentials; ARNs then show moto's
    placeholder account (deploy would use the credentials'). Pipeline stacks
    only read universal's and infra's outputs, so with ``workers`` > 1 they are planned in
    forked processes; the result is the same as planning them one by one.
    """
    project = Project.find(Path(root))
    _forget_project_modules()
    with _environment_variables({ENV_ENVIRONMENT: environment}):
        settings = resolve_settings(project.root)
        universal = settings.universal
        settings.module.config(environment)  # refuses unknown environments with the project's own message
        account = settings.account.id or account or LOCAL_ACCOUNT
        pipelines = [project.resolve_pipeline(pipeline, layer)] if pipeline else project.all_pipelines()
        stacks = program_stacks(project, settings, environment, pipelines)
        shown = {s.label for s in (stacks if not pipeline else stacks[2:])}
        plan = Plan(environment=environment, region=universal.region, account=account)
        packager = PlanOnlyPackager()
        workers = default_workers(len(pipelines)) if workers is None else workers
        try:
            with (
                _environment_variables({"AWS_ACCOUNT": account, "AWS_REGION": universal.region}),
                using_packager(packager),
                _without_source_positions(),
            ):
                for target in stacks[:2]:
                    _plan_stack(plan, target, project.root, environment, shown)
                _plan_pipelines(plan, stacks[2:], project.root, environment, shown, workers)
        finally:
            _forget_project_modules()
    plan.packages += [zip_plan.describe() for zip_plan in packager.plans]
    return plan


def _plan_pipelines(
    plan: Plan, stacks: list[ProgramStack], root: Path, environment: str, shown: set[str], workers: int
) -> None:
    if workers <= 1 or len(stacks) < 2:
        for target in stacks:
            _plan_stack(plan, target, root, environment, shown)
        return
    size = -(-len(stacks) // workers)
    chunks = [stacks[i : i + size] for i in range(0, len(stacks), size)]
    base = Plan(environment=plan.environment, region=plan.region, account=plan.account, outputs=dict(plan.outputs))
    # fork: workers inherit the imported SDK, the environment and the plan-only packager
    with ProcessPoolExecutor(len(chunks), mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_plan_chunk, [(base, chunk, root, environment, shown) for chunk in chunks]))
    for part in parts:  # chunks are contiguous, so the merged plan keeps deploy order
        plan.stacks += part.stacks
        plan.resources += part.resources
        plan.components += part.components
        plan.outputs.update(part.outputs)
        plan.packages += part.packages


def _plan_chunk(args: tuple[Plan, list[ProgramStack], Path, str, set[str]]) -> Plan:
    base, chunk, root, environment, shown = args
    part = Plan(environment=base.environment, region=base.region, account=base.account, outputs=dict(base.outputs))
    known = set(part.outputs)
    packager = PlanOnlyPackager()
    with using_packager(packager):
        for target in chunk:
            _plan_stack(part, target, root, environment, shown)
    part.outputs = {key: value for key, value in part.outputs.items() if key not in known}
    part.packages = [zip_plan.describe() for zip_plan in packager.plans]
    return part


def _plan_stack(plan: Plan, target: ProgramStack, root: Path, environment: str, shown: set[str]) -> None:
    mocks = RecordingMocks(plan.region, plan.account, plan.outputs)
    config = {f"{target.project}:environment": environment, "aws:region": plan.region}
    outputs = run_program(target, mocks, config, root)
    plan.outputs[target.qualified_name] = outputs
    if target.label not in shown:
        return
    plan.stacks.append(target.label)
    # the engine registers from worker threads: sort for a stable, diffable plan
    for registration in sorted(mocks.registrations, key=lambda r: (r.type, r.name)):
        if registration.type.startswith("pulumi:providers:"):
            continue
        (plan.resources if registration.custom else plan.components).append(planned(target.label, registration))
