"""Benchmark: bake, `invoke new-pipeline`, and `invoke list` / `invoke validate` on 100 pipelines.

Every figure is a whole process (what a user waits for), timed with this interpreter:

    .venv/bin/python benchmarks/scaffold.py [--runs 5] [--pipelines 100]

Goals (issue 2): bake <= 1.0 s, new-pipeline <= 1 s, list / validate on 100 pipelines <= 2 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child): CPU time barely moves on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: int, once: Callable[[int], tuple[float, float]]) -> tuple[float, float, float]:
    samples = [once(i) for i in range(runs)]
    walls = [wall for wall, _ in samples]
    return statistics.median(walls), min(walls), statistics.median(cpu for _, cpu in samples)


def grow(project: Path, pipelines: int) -> None:
    """Add pipelines (three functions each) in-process: setup, not measured."""
    from dorc_runtime.project import Project
    from dorc_runtime.scaffold import files, writer
    from dorc_runtime.scaffold.writer import Plan

    settings = Project(project).settings()
    slug, envs, region = settings.UNIVERSAL.slug, tuple(settings.ENVIRONMENTS), settings.UNIVERSAL.region
    layers = Project(project).layers()
    plan = Plan()
    for index in range(pipelines):
        layer, name = layers[index % len(layers)], f"pipeline_{index:03d}"
        plan.trees[f"src/{layer}/{name}"] = files.pipeline_files(
            slug, layer, name, ["extract", "transform", "load"], f"benchmark pipeline {index}", envs, region
        )
    writer.apply(project, plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pipelines", type=int, default=100)
    options = parser.parse_args()
    python = sys.executable

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "cookiecutter.yaml"
        config.write_text(f"cookiecutters_dir: {work / 'templates'}\nreplay_dir: {work / 'replay'}\n")

        def bake(i: int) -> tuple[float, float]:
            out = work / f"bake{i}"
            return timed(
                [python, "-m", "cookiecutter", "--no-input", "--config-file", str(config), "-o", str(out), str(REPO_ROOT)],
                work,
            )

        rows = [("bake (defaults, with examples)", *measure(options.runs, bake), 1.0)]
        project = work / "bake0" / "pipeline-config"

        def new_pipeline(i: int) -> tuple[float, float]:
            return timed([python, "-m", "invoke", "new-pipeline", f"bench_{i}", "--layer", "raw"], project)

        rows.append(("invoke new-pipeline", *measure(options.runs, new_pipeline), 1.0))
        grow(project, options.pipelines)
        count = options.pipelines + options.runs + 2
        for task in ("list", "validate"):
            rows.append(
                (f"invoke {task} ({count} pipelines)", *measure(options.runs, lambda i, t=task: timed([python, "-m", "invoke", t], project)), 2.0)
            )

    width = max(len(r[0]) for r in rows)
    print(f"{'step (whole process)':<{width}}  median s   best s   cpu s   goal s")
    for name, median, best, cpu, goal in rows:
        print(f"{name:<{width}}  {median:8.3f}  {best:7.3f}  {cpu:6.3f}  {goal:7.1f}")


if __name__ == "__main__":
    main()
