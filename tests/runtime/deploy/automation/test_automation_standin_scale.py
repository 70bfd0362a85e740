"""Deploy at scale through the real Automation-API runner against a stand-in ``pulumi`` that keeps state.

``run_deploy`` with the seams ``invoke deploy`` builds (:func:`real_seams`: ``PulumiStackRunner``,
the offline fingerprints, the live view) apart from three that need the outside world: the
preflight probes (no AWS account here), the publish stage (no Docker engine) and git. Each deploy
makes a fresh runner, and every call is a separate ``pulumi`` process, so fingerprints, stacks and
locks survive between deploys only in the backend folder, as with the real CLI's file backend.
What the stand-in plays and what it cannot prove: :mod:`standin_pulumi`.

A module fixture plans and deploys a generated 50-pipeline project once (``--parallel 4``); each
test starts from a copy of that project and its backend.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from automation_helpers import CREDENTIALS_ACCOUNT, RecordingProgress, all_present_probes, settings
from deploy_projects import ProjectSpec, many_pipelines, write_project
from rich.console import Console
from standin_pulumi import State, install, max_overlap

from dorc_runtime.deploy.automation.commands import Session, real_seams, run_deploy
from dorc_runtime.deploy.automation.fingerprints import FINGERPRINT_TAG, pulumi_project
from dorc_runtime.deploy.automation.plan import Target, deploy_plan
from dorc_runtime.deploy.automation.pulumi_runner import PulumiStackRunner
from dorc_runtime.deploy.automation.stacks import StackKind, StackRef
from dorc_runtime.errors import DeployError
from dorc_runtime.naming import Naming
from dorc_runtime.project import Project
from dorc_runtime.scaffold.files import infra_stacks, pipeline_stacks, universal_stack
from dorc_runtime.scaffold.files import pulumi_project as pulumi_yaml

pytestmark = pytest.mark.slow  # a module fixture deploys 50 pipelines, ~10 stand-in processes each

PIPELINES = 50
UNIVERSAL = "acme-data-universal/universal"
INFRA = "acme-data-infra/prod"
CLEARED = ("AWS_REGION", "AWS_ACCOUNT", "PULUMI_BACKEND_URL", "INFRA_BUCKET", "PULUMI_CONFIG_PASSPHRASE", "PYTHONPATH")
KNOBS = ("STANDIN_FAIL_UP", "STANDIN_SLEEP_UP", "STANDIN_HANG_UP")


@dataclass
class Deployment:
    """A generated project, its stand-in backend, and ``invoke deploy``'s code path over them."""

    root: Path
    backend: Path

    @property
    def state(self) -> State:
        return State(self.backend)

    def session(self) -> Session:
        return Session.open(Project(self.root), settings(PULUMI_BACKEND_URL=f"file://{self.backend}"))

    def deploy(self, console: Console | None = None, **options) -> list:
        seams = replace(
            real_seams(console or quiet_console()),
            probes=all_present_probes(),
            git_status=lambda root: None,
            needs_docker=lambda layout, plan: False,
            publish=None,
        )
        return run_deploy(self.session(), Target("prod"), seams, yes=True, **options)

    def pipelines(self) -> list[StackRef]:
        """The pipeline stacks in plan order (the order the scheduler starts them in)."""
        plan = deploy_plan(self.session().layout, Target("prod"))
        return [s for s in plan.stacks if s.kind is StackKind.PIPELINE]

    def key(self, stack: StackRef) -> str:
        return f"{pulumi_project(self.session().layout, stack)}/{stack.name}"

    def fingerprint(self, key: str) -> str | None:
        project, stack = key.split("/")
        return self.state.tags(project, stack).get(FINGERPRINT_TAG)

    def change_function(self, stack: StackRef) -> None:
        handler = self.root / "src" / str(stack.layer) / str(stack.pipeline) / "src" / "step0" / "lambda.py"
        handler.write_text(handler.read_text() + "\nVERSION = 2\n")

    def ups(self) -> list[str]:
        return [o["stack"] for o in self.state.operations("up")]

    def change_first(self, count: int) -> tuple[list[StackRef], list[str], dict[str, str | None]]:
        """Change a function of the first ``count`` pipelines: their stacks, keys and fingerprints before."""
        stacks = self.pipelines()[:count]
        keys = [self.key(stack) for stack in stacks]
        before = {key: self.fingerprint(key) for key in keys}
        for stack in stacks:
            self.change_function(stack)
        return stacks, keys, before


def write_stack_files(root: Path, spec: ProjectSpec) -> None:
    """The Pulumi project and stack files the template and ``invoke new-pipeline`` write (the
    scaffold's own writers), which the offline-planning helper leaves out."""
    files = {
        "universal/Pulumi.yaml": pulumi_yaml(Naming.universal_project(spec.slug), "universal", depth=1),
        "universal/Pulumi.universal.yaml": universal_stack(spec.region),
        "infra/Pulumi.yaml": pulumi_yaml(Naming.infra_project(spec.slug), "infra", depth=1),
        **{f"infra/{name}": text for name, text in infra_stacks(spec.slug, spec.environments, spec.region).items()},
    }
    for p in spec.pipelines:
        for name, text in pipeline_stacks(spec.slug, p.layer, p.name, spec.environments, spec.region).items():
            files[f"src/{p.layer}/{p.name}/{name}"] = text
    for name, text in files.items():
        (root / name).write_text(text)


def quiet_console() -> Console:
    return Console(file=io.StringIO(), width=200, record=True)


def use_standin(patch: pytest.MonkeyPatch, bin_dir: Path) -> None:
    patch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    for name in CLEARED + KNOBS:
        patch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def first_deploy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Deployment, list]:
    """The 50-pipeline project after its first deploy with ``--parallel 4`` (every stack up,
    fingerprints recorded); each pipeline's ``up`` takes a moment so that they overlap."""
    base = tmp_path_factory.mktemp("standin-scale")
    install(base / "bin")
    spec = ProjectSpec(account=CREDENTIALS_ACCOUNT, pipelines=list(many_pipelines(PIPELINES, 1)))
    deployment = Deployment(write_project(base / "acme-data", spec), base / "backend")
    write_stack_files(deployment.root, spec)
    with pytest.MonkeyPatch.context() as patch:
        use_standin(patch, base / "bin")
        keys = [deployment.key(stack) for stack in deployment.pipelines()]
        patch.setenv("STANDIN_SLEEP_UP", ",".join(f"{key}=0.3" for key in keys))
        results = deployment.deploy(parallel=4)
    return deployment, results


@pytest.fixture
def deployed(first_deploy: tuple[Deployment, list], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    """A copy of the deployed project and its backend, with an empty record of operations."""
    original, _ = first_deploy
    copy = Deployment(tmp_path / "acme-data", tmp_path / "backend")
    shutil.copytree(original.root, copy.root)
    shutil.copytree(original.backend, copy.backend)
    (copy.state.root / "record.jsonl").unlink()
    use_standin(monkeypatch, original.root.parent / "bin")
    return copy


@pytest.mark.timeout(600)
def test_the_first_deploy_runs_every_stack_at_most_four_pipelines_at_a_time_and_records_them(first_deploy):
    deployment, results = first_deploy
    ups = deployment.state.operations("up")
    assert [o["stack"] for o in ups[:2]] == [UNIVERSAL, INFRA]  # before any pipeline
    assert len(ups) == PIPELINES + 2 and {o["result"] for o in ups} == {"succeeded"}
    assert len(results) == PIPELINES + 2
    assert "acme-data-layer1-pipeline009/prod" in deployment.ups()
    # from the stand-in's own timestamps: in parallel, within the bound
    assert 2 <= max_overlap([o for o in ups if o["stack"] not in (UNIVERSAL, INFRA)]) <= 4
    assert all(deployment.fingerprint(o["stack"]) for o in ups)
    assert deployment.state.all_locks() == []


@pytest.mark.timeout(300)
def test_a_second_deploy_with_no_change_runs_no_pipeline_stack(deployed):
    console = quiet_console()
    deployed.deploy(console, parallel=4)
    assert deployed.ups() == [UNIVERSAL]  # universal always runs; infra and the 50 pipelines are unchanged
    assert "1 stack(s) to deploy, 51 unchanged and skipped:" in console.export_text()


@pytest.mark.timeout(300)
def test_one_changed_function_runs_exactly_its_pipeline_stack(deployed):
    changed = "acme-data-layer1-pipeline009/prod"
    before = deployed.fingerprint(changed)
    deployed.change_function(deployed.session().layout.pipeline("prod", "layer1", "pipeline009"))
    console = quiet_console()
    deployed.deploy(console, parallel=4)
    assert deployed.ups() == [UNIVERSAL, changed]
    assert "run  pipeline layer1/pipeline009 [prod]: changed since the last successful deploy" in console.export_text()
    assert deployed.fingerprint(changed) not in (None, before)  # the new one, read back by the next deploy


@pytest.mark.timeout(300)
def test_a_failing_stack_stops_nothing_running_is_reported_and_records_no_fingerprint(deployed, monkeypatch):
    stacks, keys, before = deployed.change_first(5)
    failing, others, queued = keys[1], [keys[0], keys[2], keys[3]], keys[4]  # parallel 4: the 5th waits
    monkeypatch.setenv("STANDIN_FAIL_UP", failing)
    # the failure comes while the other three are in their `up` (their ends say they finished)
    monkeypatch.setenv("STANDIN_SLEEP_UP", ",".join([f"{failing}=1", *(f"{key}=2.5" for key in others)]))
    console = quiet_console()
    with pytest.raises(DeployError) as error:  # the CLI edge turns it into one line and exit code 1
        deployed.deploy(console, parallel=4)

    label = stacks[1].label
    assert error.value.message.startswith(f"{label}: pulumi up failed for the {label} stack")
    assert "AccessDenied" in error.value.message
    ups = {o["stack"]: o for o in deployed.state.operations("up")}
    assert set(ups) == {UNIVERSAL, failing, *others}  # the queued 5th never started
    assert ups[failing]["result"] == "failed"
    for key in others:  # running when the failure came, they finished and were recorded
        assert ups[key]["start"] < ups[failing]["end"] < ups[key]["end"]
        assert ups[key]["result"] == "succeeded"
        assert deployed.fingerprint(key) not in (None, before[key])
    assert deployed.fingerprint(failing) == before[failing]  # no new fingerprint for the failed up
    assert deployed.state.all_locks() == []
    table = console.export_text()
    assert f"│ {label} │ failed" in table
    assert f"│ {stacks[0].label} │ done" in table
    assert f"│ {stacks[4].label} │ not started" in table

    monkeypatch.delenv("STANDIN_FAIL_UP")
    monkeypatch.delenv("STANDIN_SLEEP_UP")
    (deployed.state.root / "record.jsonl").unlink()
    deployed.deploy(parallel=4)
    assert sorted(deployed.ups()) == sorted([UNIVERSAL, failing, queued])  # the failed one again, and the 5th


def interrupt_when(condition, deadline: float = 60.0) -> threading.Thread:
    """Press Ctrl-C (a real SIGINT to this process) once ``condition()`` holds."""

    def watch() -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if condition():
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.timeout(300)
def test_ctrl_c_cancels_the_running_stack_leaves_no_lock_and_says_which_completed(deployed, monkeypatch):
    stacks, keys, before = deployed.change_first(3)
    hanging, finished = keys[1], [keys[0], keys[2]]
    monkeypatch.setenv("STANDIN_HANG_UP", hanging)
    state = deployed.state

    def only_the_hanging_one_runs() -> bool:
        entries = state.entries()
        ended = {e["stack"] for e in entries if e["op"] == "up" and e["event"] == "end"}
        started = {e["stack"] for e in entries if e["op"] == "up" and e["event"] == "start"}
        return set(finished) <= ended and hanging in started

    watcher = interrupt_when(only_the_hanging_one_runs)
    with pytest.raises(DeployError) as error:
        deployed.deploy(parallel=4)
    watcher.join()

    message = error.value.message
    assert message.startswith(f"Interrupted: deploy stopped; cancelled (lock released): {stacks[1].label}.")
    assert f"Completed: {stacks[0].label}, {stacks[2].label}, universal. Not started: 0." in message
    assert state.all_locks() == []
    cancels = [e for e in state.entries() if e["op"] == "cancel"]
    assert [(e["stack"], e["locks"]) for e in cancels if e["stack"] == hanging] == [(hanging, 1)]
    ups = {o["stack"]: o["result"] for o in state.operations("up")}
    assert ups == {UNIVERSAL: "succeeded", keys[0]: "succeeded", hanging: "cancelled", keys[2]: "succeeded"}
    assert deployed.fingerprint(hanging) == before[hanging]  # the next deploy runs it again
    assert all(deployed.fingerprint(key) != before[key] for key in finished)


@pytest.mark.timeout(120)
def test_an_up_of_a_stack_locked_by_another_update_fails_naming_pulumi_cancel(deployed):
    """Pulumi locks a stack for the length of an update; a second one fails until the first ends or
    ``pulumi cancel`` removes the lock (https://www.pulumi.com/docs/iac/cli/commands/pulumi_cancel/)."""
    session = deployed.session()
    stack = session.layout.pipeline("prod", "layer1", "pipeline009")
    held = deployed.state.lock("acme-data-layer1-pipeline009", "prod")  # another deploy's update
    assert held is not None
    runner = PulumiStackRunner(session.layout, session.backend, "correct horse battery staple")
    with pytest.raises(DeployError) as error:
        runner.up(stack, RecordingProgress())
    assert error.value.message == "Another update of the pipeline layer1/pipeline009 [prod] stack is running."
    assert error.value.fix.startswith("wait for it, or if it crashed run 'pulumi cancel --stack prod' in ")
    assert deployed.state.all_locks() == [held]  # the failed attempt took no lock of its own
    runner.cancel(stack)
    assert deployed.state.all_locks() == []
    runner.up(stack, RecordingProgress())
    assert deployed.ups() == ["acme-data-layer1-pipeline009/prod"]
