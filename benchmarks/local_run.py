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
embedded AWS) spent during it; the run process's own CPU is shown apart (the critical path once
the other processes are warm).

The project vendors a copy of ``dorc_runtime`` (as a generated project does, .pyc files written
by the runs themselves); ``--runtime`` copies another one, e.g. an export of an older commit, to
measure before/after alternately under the same load.

    .venv/bin/python benchmarks/local_run.py [--runs 7] [--runtime path/to/dorc_runtime]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
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


def make_project(root: Path, handler_source: str, runtime: Path = REPO / "dorc_runtime") -> None:
    (root / "src" / "bench" / "bench" / "src").mkdir(parents=True)
    shutil.copytree(runtime, root / "dorc_runtime", ignore=shutil.ignore_patterns("__pycache__"))
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


def _own_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the process ``pid`` alone, its children not counted: read
    from /proc while it is a zombie (ended, not yet waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (proc(5))


def time_runs(root: Path, runs: int, warm_minutes: str, runtime: Path) -> tuple[list[float], list[float], list[float]]:
    """Wall-clock and CPU seconds (user + system) of each whole run, and the run process's own
    CPU seconds; CPU time is the steadier figure on a busy machine."""
    # no AWS settings from this shell, and .pyc files written as on a user's machine (a sandbox's
    # PYTHONDONTWRITEBYTECODE would make every run compile dorc's sources again)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("PYTHONDONTWRITEBYTECODE", "CI")}
    env.pop("PYTHONPATH", None)  # the project's own dorc_runtime, as in a generated project
    env.update(DORC_WARM_MINUTES=warm_minutes, XDG_RUNTIME_DIR=str(runtime))
    walls, cpus, owns = [], [], []
    for _ in range(runs):
        cpu, started = _cpu(runtime), time.perf_counter()
        with tempfile.TemporaryFile("w+") as output:
            process = subprocess.Popen([sys.executable, "-m", "invoke", "run", "bench"], cwd=root, env=env,
                                       stdout=output, stderr=subprocess.STDOUT, text=True)
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # ended, not yet reaped
            walls.append(time.perf_counter() - started)
            owns.append(_own_cpu(process.pid))
            process.wait()
            time.sleep(0.3)  # the warm servers reap the run's sandboxes and embedded AWS
            cpus.append(_cpu(runtime) - cpu)
            if process.returncode != 0:
                output.seek(0)
                raise SystemExit(f"run failed:\n{output.read()}")
    return walls, cpus, owns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--runtime", type=Path, default=REPO / "dorc_runtime",
                        help="the dorc_runtime folder the project vendors (default: this repository's)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| variant (5 functions, whole process) | servers | median wall s | min wall s | median CPU s "
          "| median CPU s of the run process alone | runs |")
    print("|---|---|---|---|---|---|---|")
    for label, source in (("no-op handlers", NOOP), ("each handler writes to S3 (boto3)", S3_WRITE)):
        for servers, minutes in (("warm", "15"), ("per run", "0")):
            # a short private folder for the warm servers' sockets (their paths are limited to ~100 bytes)
            with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory(prefix="dw") as runtime:
                root = Path(folder)
                make_project(root, source, args.runtime)
                # warm the OS file cache, .pyc files and the servers, as a second run by a user would
                time_runs(root, 1, minutes, Path(runtime))
                walls, cpus, owns = time_runs(root, args.runs, minutes, Path(runtime))
                stop_warm_servers(Path(runtime))
            print(f"| {label} | {servers} | {statistics.median(walls):.2f} | {min(walls):.2f} | "
                  f"{statistics.median(cpus):.2f} | {statistics.median(owns):.2f} | {len(walls)} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def stop_warm_servers(runtime: Path) -> None:
    sys.path.insert(0, str(REPO))
    from dorc_runtime.local.warm_servers import stop_every

    stop_every(runtime / "dorc")


if __name__ == "__main__":
    main()
