"""Deploy at scale through ``run_deploy`` with the recording fake runner: a generated project of 50
pipelines whose real programs are planned offline (Pulumi mocks) to fingerprint every stack."""

import threading
import time
from dataclasses import replace

import pytest
from automation_helpers import CREDENTIALS_ACCOUNT, FakeRunner, make_harness, settings
from deploy_projects import ProjectSpec, many_pipelines, write_project

from dorc_runtime.deploy.automation.commands import Session, run_deploy, run_destroy
from dorc_runtime.deploy.automation.fingerprints import offline_fingerprints, pulumi_project
from dorc_runtime.deploy.automation.plan import Target
from dorc_runtime.errors import DeployError
from dorc_runtime.project import Project

PIPELINES = 50


@pytest.fixture
def big(tmp_path, monkeypatch) -> Session:
    for name in ("AWS_REGION", "AWS_ACCOUNT", "PULUMI_BACKEND_URL", "INFRA_BUCKET", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    root = write_project(tmp_path / "acme-data", ProjectSpec(account=CREDENTIALS_ACCOUNT, pipelines=list(many_pipelines(PIPELINES, 1))))
    return Session.open(Project(root), settings())


class BackendRunner(FakeRunner):
    """The fake runner whose backend lists every stack an ``up`` created, like ``stack ls --all``."""

    def __init__(self, session: Session, **kwargs):
        super().__init__(**kwargs)
        self.layout = session.layout

    def up(self, stack, progress):
        result = super().up(stack, progress)
        pair = (pulumi_project(self.layout, stack), stack.name)
        if pair not in self.backend:
            self.backend.append(pair)
        return result


def harness(session: Session, runner: FakeRunner | None = None):
    h = make_harness(runner or BackendRunner(session))
    h.seams = replace(h.seams, fingerprints=offline_fingerprints)
    return h


def ups(h) -> list[str]:
    return [label for action, label in h.runner.calls if action == "up"]


@pytest.mark.timeout(300)
def test_no_change_runs_no_pipeline_stack_and_one_changed_function_runs_exactly_its_stack(big):
    h = harness(big)
    run_deploy(big, Target("prod"), h.seams, yes=True)
    assert len(ups(h)) == PIPELINES + 2
    assert len(h.runner.fingerprints) == PIPELINES + 2

    h.runner.calls.clear()
    run_deploy(big, Target("prod"), h.seams, yes=True)
    assert ups(h) == ["universal"]  # universal always runs; infra and the 50 pipelines are unchanged
    printed = h.seams.console.export_text()
    assert "1 stack(s) to deploy, 51 unchanged and skipped:" in printed
    assert "skip 51 stacks: unchanged since the last successful deploy" in printed

    handler = big.layout.root / "src" / "layer1" / "pipeline009" / "src" / "step0" / "lambda.py"
    handler.write_text(handler.read_text() + "\nVERSION = 2\n")
    h.runner.calls.clear()
    run_deploy(big, Target("prod"), h.seams, yes=True)
    assert ups(h) == ["universal", "pipeline layer1/pipeline009 [prod]"]
    assert "run  pipeline layer1/pipeline009 [prod]: changed since the last successful deploy" in (
        h.seams.console.export_text()
    )


@pytest.mark.timeout(300)
def test_changed_lists_what_would_run_and_changes_nothing_and_all_runs_everything(big):
    h = harness(big)
    run_deploy(big, Target("prod"), h.seams, yes=True)
    recorded = dict(h.runner.fingerprints)
    handler = big.layout.root / "src" / "layer0" / "pipeline004" / "src" / "step0" / "lambda.py"
    handler.write_text(handler.read_text() + "\nVERSION = 2\n")
    h.runner.calls.clear()
    h.seams.console.export_text(clear=True)

    assert run_deploy(big, Target("prod"), h.seams, changed=True) == []
    assert ups(h) == []
    assert h.runner.fingerprints == recorded
    printed = h.seams.console.export_text(clear=True)
    assert "run  universal: always runs" in printed
    assert "run  pipeline layer0/pipeline004 [prod]: changed since the last successful deploy" in printed
    assert "skip pipeline layer0/pipeline000 [prod]: unchanged since the last successful deploy" in printed
    assert "2 stack(s) to deploy, 50 unchanged and skipped:" in printed

    run_deploy(big, Target("prod"), h.seams, yes=True, run_all=True)
    assert len(ups(h)) == PIPELINES + 2


@pytest.mark.timeout(300)
def test_a_failed_up_records_no_fingerprint_so_the_next_deploy_runs_it_again(big):
    failing = "pipeline layer2/pipeline006 [prod]"
    h = harness(big, BackendRunner(big, fail_on=failing))
    with pytest.raises(DeployError, match="pipeline layer2/pipeline006 \\[prod\\]: pulumi up failed"):
        run_deploy(big, Target("prod"), h.seams, yes=True)
    assert failing not in h.runner.fingerprints
    assert "infra [prod]" in h.runner.fingerprints
    table = h.seams.console.export_text()
    assert "│ pipeline layer2/pipeline006 [prod] │ failed" in table
    assert "not started" in table  # the pipelines after the failure (parallel 1)

    h.runner.fail_on = None
    h.runner.calls.clear()
    run_deploy(big, Target("prod"), h.seams, yes=True)
    assert failing in ups(h) and "pipeline layer0/pipeline000 [prod]" not in ups(h)


class GaugedRunner(BackendRunner):
    """Each up takes a little while; counts how many run at once; one may fail."""

    def __init__(self, session, seconds=0.02, **kwargs):
        super().__init__(session, **kwargs)
        self.seconds = seconds
        self.lock = threading.Lock()
        self.now = self.peak = 0

    def _gauged(self, step, stack, progress):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            if stack.label != self.fail_on:  # the failing stack fails at once, the others still run
                time.sleep(self.seconds)
            return step(stack, progress)
        finally:
            with self.lock:
                self.now -= 1

    def up(self, stack, progress):
        return self._gauged(super().up, stack, progress)

    def destroy(self, stack, progress):
        return self._gauged(super().destroy, stack, progress)


@pytest.mark.timeout(300)
def test_parallel_four_runs_at_most_four_pipeline_stacks_at_a_time_and_all_complete(big):
    h = harness(big, GaugedRunner(big))
    results = run_deploy(big, Target("prod"), h.seams, yes=True, parallel=4)
    assert h.runner.peak == 4
    assert len(results) == PIPELINES + 2
    assert ups(h)[:2] == ["universal", "infra [prod]"]  # before any pipeline
    assert len(h.runner.fingerprints) == PIPELINES + 2


@pytest.mark.timeout(300)
def test_a_failing_stack_stops_nothing_already_running_and_is_reported(big):
    failing = "pipeline layer0/pipeline004 [prod]"  # the 2nd of the first 4 pipeline stacks
    h = harness(big, GaugedRunner(big, seconds=0.3, fail_on=failing))
    with pytest.raises(DeployError) as error:
        run_deploy(big, Target("prod"), h.seams, yes=True, parallel=4)
    assert error.value.message.startswith(f"{failing}: pulumi up failed for the {failing} stack")
    # the three started with it completed and were recorded
    for other in ("layer0/pipeline000", "layer0/pipeline008", "layer0/pipeline012"):
        assert f"pipeline {other} [prod]" in h.runner.fingerprints
    assert len(ups(h)) == 2 + 4
    assert "Completed: infra [prod], pipeline layer0/pipeline000 [prod]" in error.value.message


@pytest.mark.timeout(300)
def test_destroy_runs_the_pipelines_in_parallel_before_infra(big):
    h = harness(big, GaugedRunner(big))
    run_deploy(big, Target("prod"), h.seams, yes=True, parallel=4)
    h.runner.deployed = {label: 1 for label in h.runner.deployed}
    h.runner.calls.clear()
    h.runner.peak = 0
    run_destroy(big, Target("prod"), h.seams, yes=True, parallel=4)
    assert h.runner.peak == 4
    destroyed = [label for action, label in h.runner.calls if action == "destroy"]
    assert len(destroyed) == PIPELINES + 1 and destroyed[-1] == "infra [prod]"


@pytest.mark.timeout(120)
def test_when_the_offline_plan_fails_every_stack_runs_and_says_why(big):
    h = harness(big)

    def broken(layout, stacks, environment):
        raise DeployError("layer0/pipeline000 [prod]: the Pulumi program failed: RuntimeError: needs AWS")

    h.seams = replace(h.seams, fingerprints=broken)
    run_deploy(big, Target("prod"), h.seams, yes=True)
    assert len(ups(h)) == PIPELINES + 2
    assert "Could not fingerprint the stacks offline, so every stack runs: layer0/pipeline000" in (
        h.seams.console.export_text()
    )
