"""Helpers for the deploy automation tests: a small config repository and fakes of the seams.

A uniquely named module (not conftest) so tests can import it without clashing with other folders."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from dorc_runtime.deploy.automation.commands import Seams
from dorc_runtime.deploy.automation.preflight import Probes
from dorc_runtime.deploy.automation.runner import ResourceEvent, ResourceStatus, StackResult
from dorc_runtime.deploy.automation.stacks import StackRef
from dorc_runtime.project import Project
from dorc_runtime.settings import DorcEnvironment
from tests.helpers.projects import ECHO_HANDLER, write_pipeline, write_settings


def write_project(
    root: Path, pipelines=(("raw", "census"), ("raw", "weather"), ("curated", "report")), package="image"
) -> Project:
    write_settings(root, "Census Demo", ("preprod", "prod"))
    for folder in ("universal", "infra"):
        (root / folder).mkdir(parents=True)
        (root / folder / "Pulumi.yaml").write_text(f"name: census-demo-{folder}\nruntime: python\n")
        (root / folder / "__main__.py").write_text("")
    for layer, name in pipelines:
        function = f'Function(name="fetch", package_type="{package}")'
        folder = write_pipeline(root, layer, name, function, {"fetch": ECHO_HANDLER})
        (folder / "Pulumi.yaml").write_text(f"name: census-demo-{layer}-{name}\nruntime: python\n")
    return Project(root)


def settings(**values) -> DorcEnvironment:
    base = {"PULUMI_CONFIG_PASSPHRASE": "correct horse battery staple"}
    base.update(values)
    return DorcEnvironment(_env_file=None, **base)  # type: ignore[call-arg]


@dataclass
class FakeRunner:
    """Records every call; 'deployed' holds resource counts per stack label, like a backend."""

    deployed: dict[str, int] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    fail_on: str | None = None
    backend: list[tuple[str, str]] = field(default_factory=list)  # (Pulumi project, stack) pairs
    stack_outputs: dict[str, dict] = field(default_factory=dict)  # by stack label, else a default
    fingerprints: dict[str, str] = field(default_factory=dict)  # recorded stack tags, by stack label
    cancelled: list[str] = field(default_factory=list)

    def _step(self, action: str, stack: StackRef, progress) -> StackResult:
        self.calls.append((action, stack.label))
        progress.stack_started(stack, action)
        status = ResourceStatus.FAILED if stack.label == self.fail_on else ResourceStatus.DONE
        progress.resource(stack, ResourceEvent("create", "aws:s3/bucketV2:BucketV2", "holding", status, 3.0))
        if status is ResourceStatus.FAILED:
            from dorc_runtime.errors import DeployError

            raise DeployError(f"pulumi {action} failed for the {stack.label} stack")
        if action == "up":
            self.deployed[stack.label] = 1
        if action == "destroy":
            self.deployed.pop(stack.label, None)
        result = StackResult(stack, action, {"create": 1})
        progress.stack_finished(result)
        return result

    def preview(self, stack, progress):
        return self._step("preview", stack, progress)

    def up(self, stack, progress):
        return self._step("up", stack, progress)

    def destroy(self, stack, progress):
        return self._step("destroy", stack, progress)

    def outputs(self, stack):
        self.calls.append(("outputs", stack.label))
        return self.stack_outputs.get(stack.label, {"holding_bucket": "census-demo-prod-holding", "count": 2})

    def resource_count(self, stack):
        return self.deployed.get(stack.label, 0)

    def backend_stacks(self):
        return list(self.backend)

    def cancel(self, stack):
        self.cancelled.append(stack.label)

    def read_fingerprint(self, stack):
        return self.fingerprints.get(stack.label)

    def record_fingerprint(self, stack, fingerprint):
        self.fingerprints[stack.label] = fingerprint


@dataclass
class FakeStorage:
    """Buckets and repositories by name -> how many versions or images each holds."""

    contents: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def holds_data(self, holder):
        return self.contents.get(holder.name, 0) > 0

    def empty(self, holder):
        self.calls.append(f"empty {holder}")
        return self.contents.pop(holder.name, 0)

    def delete_repository(self, name):
        self.calls.append(f"delete repository {name}")


@dataclass
class RecordingProgress:
    lines: list[str] = field(default_factory=list)

    def stack_started(self, stack, action):
        self.lines.append(f"start {action} {stack.label}")

    def resource(self, stack, event):
        self.lines.append(f"{event.status.value} {event.op} {event.name}")

    def diagnostic(self, stack, severity, message):
        self.lines.append(f"{severity}: {message}")

    def output(self, stack, line):
        self.lines.append(f"output: {line}")

    def stack_finished(self, result):
        self.lines.append(f"finished {result.stack.label}: {result.summary()}")


CREDENTIALS_ACCOUNT = "123456789012"


def all_present_probes() -> Probes:
    return Probes(
        which=lambda name: f"/usr/bin/{name}",
        docker_engine_running=lambda: True,
        aws_credentials_found=lambda: True,
        bucket_problem=lambda bucket: None,
        caller_account=lambda region: CREDENTIALS_ACCOUNT,
    )


@dataclass
class Harness:
    runner: FakeRunner
    progress: RecordingProgress
    seams: Seams
    asked: list[str]
    layouts: list = field(default_factory=list)  # what each runner was made for (account, region...)


def make_harness(
    runner: FakeRunner | None = None,
    probes: Probes | None = None,
    interactive=False,
    answer=True,
    status=None,
    docker=True,
    storage: FakeStorage | None = None,
) -> Harness:
    runner = runner or FakeRunner()
    progress = RecordingProgress()
    asked: list[str] = []
    layouts: list = []

    def make_runner(layout, backend, secret):
        layouts.append(layout)
        return runner

    def ask(question: str) -> bool:
        asked.append(question)
        return answer

    seams = Seams(
        console=Console(record=True, width=120),
        progress=progress,
        probes=probes or all_present_probes(),
        make_runner=make_runner,
        git_status=lambda root: status,
        interactive=interactive,
        ask=ask,
        needs_docker=lambda layout, plan: docker,
        storage=lambda region: storage if storage is not None else FakeStorage(),
    )
    return Harness(runner, progress, seams, asked, layouts)
