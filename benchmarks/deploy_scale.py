"""Benchmark deploy at scale: a no-change deploy of 100 pipelines, sequential vs skip vs parallel.

    .venv/bin/python benchmarks/deploy_scale.py          # 100 pipelines
    .venv/bin/python benchmarks/deploy_scale.py 50       # other sizes

No Pulumi CLI or AWS here, so a fake runner sleeps like a real ``pulumi up`` of an unchanged stack.
The model (from the Pulumi CLI's own phases on a small stack): engine start, program run and AWS
provider start-up ``START_SECONDS`` = 8 s, then a refresh-and-diff of each resource
``PER_RESOURCE_SECONDS`` = 0.25 s; a pipeline stack of 5 functions holds about 33 resources, so
about 16 s per stack. Sleeps are scaled by ``TIME_SCALE`` so the script runs in seconds. Printed:
the measured wall time (scaled sleeps + dorc's real work, including the offline planning of the
fingerprints) and the modelled real time: the measured planning time plus the model's cost of the
stacks that ran, waves in order, pipelines ``parallel`` at a time. Everything else is dorc's real
deploy path (``run_deploy``) with the recording fake runner of the tests.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = 5
START_SECONDS = 8.0
PER_RESOURCE_SECONDS = 0.25
RESOURCES = {"universal": 5 * 100, "infra": 12, "pipeline": 33}
TIME_SCALE = 1 / 400


def up_seconds(kind: str) -> float:
    return START_SECONDS + PER_RESOURCE_SECONDS * RESOURCES[kind]


def main(pipelines: int) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "runtime" / "deploy"), str(ROOT / "tests" / "runtime" / "deploy" / "automation")]
    from automation_helpers import CREDENTIALS_ACCOUNT, FakeRunner, make_harness, settings
    from deploy_projects import ProjectSpec, many_pipelines, write_project

    from dorc_runtime.deploy.automation.commands import Session, run_deploy
    from dorc_runtime.deploy.automation.fingerprints import offline_fingerprints, pulumi_project
    from dorc_runtime.deploy.automation.plan import Target
    from dorc_runtime.project import Project

    class SleepingRunner(FakeRunner):
        """An up costs what the model says; the backend lists what was deployed."""

        modelled = 0.0

        def up(self, stack, progress):
            time.sleep(up_seconds(stack.kind.value) * TIME_SCALE)
            pair = (pulumi_project(layout, stack), stack.name)
            if pair not in self.backend:
                self.backend.append(pair)
            return super().up(stack, progress)

    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp) / "bench", ProjectSpec(account=CREDENTIALS_ACCOUNT, pipelines=list(many_pipelines(pipelines, FUNCTIONS))))
        session = Session.open(Project(root), settings())
        layout = session.layout
        runner = SleepingRunner()
        h = make_harness(runner)
        h.seams = replace(h.seams, console=Console(file=io.StringIO(), width=120))  # the figures only
        planning: list[float] = []

        def timed_fingerprints(*args):
            start = time.perf_counter()
            found = offline_fingerprints(*args)
            planning.append(time.perf_counter() - start)
            return found

        with_fingerprints = replace(h.seams, fingerprints=timed_fingerprints)

        def deploy(seams, parallel: int, label: str) -> None:
            planning.clear()
            start = time.perf_counter()
            run_deploy(session, Target("prod"), seams, yes=True, parallel=parallel)
            wall = time.perf_counter() - start
            kinds = [stack.split(" ")[0] for action, stack in runner.calls if action == "up"]
            runner.calls.clear()
            pipeline_runs = kinds.count("pipeline")
            modelled = sum(planning) + sum(up_seconds(k) for k in kinds if k != "pipeline")
            modelled += -(-pipeline_runs // parallel) * up_seconds("pipeline")
            print(f"{label:<50} {len(kinds):>4} stacks run  {wall:6.1f} s measured  {modelled / 60:6.1f} min modelled")

        print(f"{pipelines} pipelines x {FUNCTIONS} functions; one up sleeps {TIME_SCALE:.4f} x the model")
        deploy(with_fingerprints, 1, "first deploy (records fingerprints), sequential")
        deploy(h.seams, 1, "no change, sequential, no fingerprints (before)")
        deploy(with_fingerprints, 1, "no change, skip unchanged")
        deploy(h.seams, 4, "no change, no fingerprints, --parallel 4")
        deploy(with_fingerprints, 4, "no change, skip unchanged, --parallel 4")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
