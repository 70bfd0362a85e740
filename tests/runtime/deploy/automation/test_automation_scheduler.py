"""The scheduler: waves of independent stacks, at most N at a time, failures and Ctrl-C reported."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from dorc_runtime.deploy.automation.runner import StackResult
from dorc_runtime.deploy.automation.scheduler import (
    Scheduler,
    Status,
    default_parallel,
    deploy_waves,
    destroy_waves,
    failure,
)
from dorc_runtime.deploy.automation.stacks import StackKind, StackRef
from dorc_runtime.errors import DeployError


def pipelines(count: int) -> list[StackRef]:
    return [StackRef(StackKind.PIPELINE, "prod", Path(f"/p{i}"), "prod", "raw", f"p{i:02d}") for i in range(count)]


UNIVERSAL = StackRef(StackKind.UNIVERSAL, "universal", Path("/u"))
INFRA = StackRef(StackKind.INFRA, "census-demo-prod", Path("/i"), "prod")


class Gauge:
    """A step that sleeps a little and counts how many run at once."""

    def __init__(self, seconds=0.02, fail=()):
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.started: list[str] = []
        self.seconds = seconds
        self.fail = set(fail)

    def __call__(self, stack):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.started.append(stack.pipeline)
        try:
            if stack.pipeline in self.fail:  # fails at once, while the others still run
                raise DeployError(f"pulumi up failed for the {stack.label} stack")
            time.sleep(self.seconds)
            return StackResult(stack, "up", {"same": 3})
        finally:
            with self.lock:
                self.now -= 1


def test_waves_run_universal_then_infra_then_pipelines_and_destroy_reverses_them():
    stacks = [UNIVERSAL, INFRA, *pipelines(2)]
    assert deploy_waves(stacks) == [[UNIVERSAL], [INFRA], pipelines(2)]
    assert destroy_waves(stacks) == [pipelines(2), [INFRA], [UNIVERSAL]]


def test_default_parallel_is_at_most_four_and_at_least_one():
    assert 1 <= default_parallel() <= 4


def test_parallel_four_never_runs_more_than_four_and_all_complete():
    gauge = Gauge()
    scheduler = Scheduler(gauge, parallel=4)
    scheduler.run_wave(pipelines(50))
    assert gauge.peak == 4  # the bound is reached and never passed
    assert [o.status for o in scheduler.outcomes] == [Status.DONE] * 50
    assert {o.stack for o in scheduler.outcomes} == set(pipelines(50))


def test_parallel_one_runs_in_plan_order():
    gauge = Gauge(seconds=0)
    scheduler = Scheduler(gauge, parallel=1)
    scheduler.run_wave(pipelines(5))
    assert gauge.started == [f"p{i:02d}" for i in range(5)]
    assert gauge.peak == 1


def test_a_failure_stops_new_stacks_lets_running_ones_finish_and_reports_all():
    gauge = Gauge(seconds=0.3, fail={"p01"})
    scheduler = Scheduler(gauge, parallel=4)
    scheduler.run_wave(pipelines(10))
    scheduler.run_wave([INFRA])  # a later wave does not start either
    by_stack = {o.stack.pipeline or o.stack.kind.value: o.status for o in scheduler.outcomes}
    # p00..p03 were running together: p01 failed, the other three finished
    assert [by_stack[f"p{i:02d}"] for i in range(4)] == [Status.DONE, Status.FAILED, Status.DONE, Status.DONE]
    assert all(by_stack[f"p{i:02d}"] is Status.NOT_STARTED for i in range(4, 10))
    assert by_stack["infra"] is Status.NOT_STARTED
    error = failure(scheduler.outcomes, scheduler.interrupted, "deploy")
    assert error is not None
    assert error.message.startswith("pipeline raw/p01 [prod]: pulumi up failed for the pipeline raw/p01 [prod] stack")
    assert "Completed: pipeline raw/p00 [prod], pipeline raw/p02 [prod], pipeline raw/p03 [prod]." in error.message
    assert "Not started: 7." in error.message


def test_parallel_below_one_is_refused():
    with pytest.raises(DeployError, match="--parallel 0 runs nothing"):
        Scheduler(Gauge(), parallel=0)


class Interruptible:
    """Stacks that hold a lock while they run; p01 presses Ctrl-C. A cancelled stack stops and
    releases its lock, as ``pulumi cancel`` (or the CLI's own SIGINT handling) does."""

    def __init__(self):
        self.locks: set[str] = set()
        self.cancelled: list[str] = []
        self.events: dict[str, threading.Event] = {}
        self.guard = threading.Lock()

    def step(self, stack):
        name = stack.pipeline
        stop = self.events.setdefault(name, threading.Event())
        with self.guard:
            self.locks.add(name)
        try:
            if name == "p01":
                os.kill(os.getpid(), signal.SIGINT)
            if stop.wait(0.05 if name == "p00" else 5):
                raise DeployError(f"update of {stack.label} cancelled")
            return StackResult(stack, "up", {"update": 1})
        finally:
            with self.guard:
                self.locks.discard(name)

    def cancel(self, stack):
        self.cancelled.append(stack.pipeline)
        self.events.setdefault(stack.pipeline, threading.Event()).set()


@pytest.mark.timeout(30)
def test_ctrl_c_cancels_running_stacks_starts_no_more_and_leaves_no_lock():
    before = signal.getsignal(signal.SIGINT)
    fake = Interruptible()
    scheduler = Scheduler(fake.step, parallel=3, cancel=fake.cancel)
    scheduler.run_wave(pipelines(8))  # a real SIGINT, as Ctrl-C sends, arrives while p00..p02 run
    assert signal.getsignal(signal.SIGINT) == before  # the handler is put back
    assert scheduler.interrupted
    assert fake.locks == set()
    statuses = {o.stack.pipeline: o.status for o in scheduler.outcomes}
    assert statuses["p01"] is Status.CANCELLED and statuses["p02"] is Status.CANCELLED
    assert sorted(fake.cancelled) in (["p00", "p01", "p02"], ["p01", "p02"])  # p00 may finish first
    assert [statuses[f"p{i:02d}"] for i in range(3, 8)] == [Status.NOT_STARTED] * 5
    error = failure(scheduler.outcomes, scheduler.interrupted, "deploy")
    assert error is not None and error.message.startswith("Interrupted: deploy stopped; cancelled (lock released): ")
    assert "pipeline raw/p01 [prod]" in error.message and "Not started: 5." in error.message
    assert "completed stacks are skipped" in error.fix
