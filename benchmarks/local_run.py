"""Whole-process `invoke run` of a 5-function pipeline (goal: <= 1.5 s, embedded AWS included).

Builds a throw-away project with one pipeline of five chained functions and times
``python -m invoke run bench`` as a user starts it, from process start to exit. Two variants:
no-op handlers, and handlers that each write one object to the holding store with boto3 (their
source mentions boto3, so the run starts the embedded AWS's server process at once; see
docs/local-runs.md). Wall time ends when the run has exited, after the server process has saved
the holding store and ended; CPU time counts both processes.

    .venv/bin/python benchmarks/local_run.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS = ["one", "two", "three", "four", "five"]
SETTINGS = '''from dorc_runtime import Config, UniversalConfig
from dorc_runtime.environment import select

UNIVERSAL = UniversalConfig(region="eu-west-2", project="bench", environments=("prod",))
ENVIRONMENTS = {"prod": Config(universal=UNIVERSAL)}


def config(environment=None):
    return select(ENVIRONMENTS, environment)
'''
NOOP = "def handler(event, context):\n    return event\n"
S3_WRITE = '''import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    name = os.environ["DORC_FUNCTION"]
    s3.put_object(Bucket=os.environ["DORC_HOLDING_BUCKET"], Key=f"bench/{name}.json", Body=b"{}")
    return event
'''


def make_project(root: Path, handler_source: str) -> None:
    (root / "src" / "bench" / "bench" / "src").mkdir(parents=True)
    (root / "project_settings.py").write_text(SETTINGS)
    (root / "tasks.py").write_text("from dorc_runtime.tasks import namespace  # noqa: F401\n")
    chain = ", ".join(
        f'Function(name="{name}"' + (f', next_function="{FUNCTIONS[i + 1]}")' if i + 1 < len(FUNCTIONS) else ")")
        for i, name in enumerate(FUNCTIONS)
    )
    (root / "src" / "bench" / "bench" / "__main__.py").write_text(
        "from dorc_runtime import Function, PipelineDefinition\n\n"
        f"pipeline_definition = PipelineDefinition(file_path=__file__, functions=[{chain}])\n"
    )
    for name in FUNCTIONS:
        folder = root / "src" / "bench" / "bench" / "src" / name
        folder.mkdir()
        (folder / "lambda.py").write_text(handler_source)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_runs(root: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (user + system) of each whole run; CPU time is the steadier
    figure on a busy machine."""
    # no AWS settings from this shell, and .pyc files written as on a user's machine (a sandbox's
    # PYTHONDONTWRITEBYTECODE would make every run compile dorc's sources again)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(REPO)
    walls, cpus = [], []
    for _ in range(runs):
        cpu, started = _cpu(), time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "invoke", "run", "bench"], cwd=root, env=env,
                              capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"run failed:\n{done.stdout}\n{done.stderr}")
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| variant (5 functions, whole process) | median wall s | min wall s | median CPU s | runs |")
    print("|---|---|---|---|---|")
    for label, source in (("no-op handlers", NOOP), ("each handler writes to S3 (boto3)", S3_WRITE)):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            make_project(root, source)
            time_runs(root, 1)  # warm the OS file cache and .pyc files, as a second run by a user would
            walls, cpus = time_runs(root, args.runs)
        print(f"| {label} | {statistics.median(walls):.2f} | {min(walls):.2f} | "
              f"{statistics.median(cpus):.2f} | {len(walls)} |")


if __name__ == "__main__":
    main()
