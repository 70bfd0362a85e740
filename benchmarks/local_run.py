"""Whole-process `invoke run` of a 5-function pipeline (goals: <= 1.5 s no-op, <= 1.0 s with S3
calls, warm environments).

Builds a throw-away project with one pipeline of five chained functions and times
``python -m invoke run bench`` as a user starts it, from process start to exit. Two pipelines:
no-op handlers, and handlers that each write one object to the holding store with boto3 (their
source mentions boto3, so the run starts the embedded AWS at once; see docs/local-runs.md). Each
with warm servers (moto's and the environment's fork servers kept between runs, the default) and
without (``DORC_WARM_MINUTES=0``: every run starts its own). Wall time ends when the run has exited,
after the embedded AWS has saved the holding store and ended. CPU time counts the run, every
process it started, and what the warm servers and their children (the run's sandboxes and
embedded AWS) spent during it.

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


def _cpu(warm_folder: Path) -> float:
    """CPU seconds of this process's reaped children and of the warm servers in ``warm_folder``
    (their own and their reaped children's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            if b"--listen" not in arguments or not arguments[arguments.index(b"--listen") + 1].startswith(
                    str(warm_folder).encode()):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        total += sum(int(field) for field in fields[11:15]) / ticks  # utime, stime, cutime, cstime
    return total


def time_runs(root: Path, runs: int, warm_minutes: str, runtime: Path) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (user + system) of each whole run; CPU time is the steadier
    figure on a busy machine."""
    # no AWS settings from this shell, and .pyc files written as on a user's machine (a sandbox's
    # PYTHONDONTWRITEBYTECODE would make every run compile dorc's sources again)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("PYTHONDONTWRITEBYTECODE", "CI")}
    env.update(PYTHONPATH=str(REPO), DORC_WARM_MINUTES=warm_minutes, XDG_RUNTIME_DIR=str(runtime))
    walls, cpus = [], []
    for _ in range(runs):
        cpu, started = _cpu(runtime), time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "invoke", "run", "bench"], cwd=root, env=env,
                              capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        time.sleep(0.3)  # the warm servers reap the run's sandboxes and embedded AWS
        cpus.append(_cpu(runtime) - cpu)
        if done.returncode != 0:
            raise SystemExit(f"run failed:\n{done.stdout}\n{done.stderr}")
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| variant (5 functions, whole process) | servers | median wall s | min wall s | median CPU s | runs |")
    print("|---|---|---|---|---|---|")
    for label, source in (("no-op handlers", NOOP), ("each handler writes to S3 (boto3)", S3_WRITE)):
        for servers, minutes in (("warm", "15"), ("per run", "0")):
            # a short private folder for the warm servers' sockets (their paths are limited to ~100 bytes)
            with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory(prefix="dw") as runtime:
                root = Path(folder)
                make_project(root, source)
                # warm the OS file cache, .pyc files and the servers, as a second run by a user would
                time_runs(root, 1, minutes, Path(runtime))
                walls, cpus = time_runs(root, args.runs, minutes, Path(runtime))
                stop_warm_servers(Path(runtime))
            print(f"| {label} | {servers} | {statistics.median(walls):.2f} | {min(walls):.2f} | "
                  f"{statistics.median(cpus):.2f} | {len(walls)} |")


def stop_warm_servers(runtime: Path) -> None:
    sys.path.insert(0, str(REPO))
    from dorc_runtime.local.warm_servers import WarmServer

    for info in (runtime / "dorc").glob("*.json"):
        WarmServer(info.with_suffix(".sock"), info.with_suffix(".log"), info).stop()


if __name__ == "__main__":
    main()
