"""Isolation's cost: per-state overhead when every function runs in its own sandbox process, and
the first-time build of a pipeline's environment with one small dependency from uv's cache.

* per state: a 50-state chain of no-op functions, each in a warm sandbox of its own (as in
  `invoke run`), against the same chain with in-process handlers (``run_state_machine``'s test
  API) and a plain Python chain with a JSON round trip per step (the JSON-chain limit);
* environment build: ``environments.ensure`` for a requirements file holding ``idna`` (one small
  package) under a fresh key, with uv's cache warm and the Python choice remembered, as a second
  pipeline's first run is.

    .venv/bin/python benchmarks/sandboxes.py   (prints a table; no assertions)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from local_runner import EVENT, RESOLVER, STATES, chain_definition, median_seconds, noop, print_table  # noqa: E402

from dorc_runtime.local import run_state_machine  # noqa: E402
from dorc_runtime.local.invocation import FunctionSpec, LocalFunction  # noqa: E402
from dorc_runtime.local.sandbox import environments  # noqa: E402
from dorc_runtime.local.sandbox.workers import FunctionSandboxes, SandboxSpec  # noqa: E402

NOOP_SOURCE = "def handler(event, context):\n    return event\n"


def plain_chain_per_state() -> float:
    def run() -> None:
        data = EVENT
        for _ in range(STATES):
            data = json.loads(json.dumps(noop(data, None)))

    return median_seconds(run, 200) / STATES


def sandboxed_handlers(project: Path, logs: Path) -> tuple[dict[str, LocalFunction], list[FunctionSandboxes]]:
    env = environments.ensure(environments.EnvironmentRequest("bench/sandboxes", project, "3.12", ()))
    handlers, boxes = {}, []
    for i in range(STATES):
        folder = project / f"f{i}"
        folder.mkdir()
        (folder / "lambda.py").write_text(NOOP_SOURCE)
        arn = RESOLVER.function_arn(f"f{i}")
        box = FunctionSandboxes(SandboxSpec(env.python, folder, arn, {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}), logs)
        box.prestart()
        boxes.append(box)
        spec = FunctionSpec(f"f{i}", "bench", "bench", f"bench-f{i}", arn, 128, 30, f"/aws/lambda/bench-f{i}")
        handlers[arn] = LocalFunction(spec, box)
    for box in boxes:
        box.wait_ready()
    return handlers, boxes


def _worker_cpu(boxes: list[FunctionSandboxes]) -> float:
    """CPU seconds the sandboxes' processes have used (Linux /proc, clock ticks)."""
    import os

    total = 0
    for box in boxes:
        for worker in box._all:
            fields = Path(f"/proc/{worker.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def timed(run, repeats: int, boxes: list[FunctionSandboxes]) -> tuple[float, float]:
    """(wall, CPU of this process and the sandboxes) per state, medians of ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        cpu, workers, started = time.process_time(), _worker_cpu(boxes), time.perf_counter()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu + _worker_cpu(boxes) - workers)
    return statistics.median(walls) / STATES, statistics.mean(cpus) / STATES


def env_build_seconds(project: Path) -> float:
    requirements = project / "requirements.txt"
    requirements.write_text(f"idna  # {uuid.uuid4().hex}\n")  # a fresh key: a new environment
    request = environments.EnvironmentRequest("bench/build", project, "3.12", (requirements,))
    started = time.perf_counter()
    environments.ensure(request, notify=lambda _: None)
    return time.perf_counter() - started


def main() -> None:
    definition = chain_definition(STATES)
    baseline = plain_chain_per_state()
    plain_handlers = {RESOLVER.function_arn(f"f{i}"): noop for i in range(STATES)}
    in_process, in_process_cpu = timed(lambda: run_state_machine(definition, plain_handlers, EVENT), 100, [])
    with tempfile.TemporaryDirectory() as folder:
        project, logs = Path(folder) / "project", Path(folder) / "logs"
        project.mkdir()
        logs.mkdir()
        handlers, boxes = sandboxed_handlers(project, logs)
        try:
            run_state_machine(definition, handlers, EVENT)  # warm
            sandboxed, sandboxed_cpu = timed(lambda: run_state_machine(definition, handlers, EVENT), 40, boxes)
        finally:
            for box in boxes:
                box.close()
        env_build_seconds(project)  # fills uv's cache with idna the first time
        builds = [env_build_seconds(project) for _ in range(3)]
    rows = [
        ("plain Python chain, JSON round trip per step", f"{baseline * 1e6:8.1f} µs/state", "the JSON-chain limit"),
        ("in-process handlers (run_state_machine), wall", f"{in_process * 1e6:8.1f} µs/state",
         f"{in_process / baseline:.1f}× the limit; CPU {in_process_cpu * 1e6:.1f} µs"),
        ("sandboxed handlers, warm (invoke run), wall", f"{sandboxed * 1e6:8.1f} µs/state",
         f"{sandboxed / in_process:.1f}× in-process, {sandboxed / baseline:.1f}× the limit; "
         f"CPU (run + sandboxes) {sandboxed_cpu * 1e6:.1f} µs"),
        ("isolation overhead per state, wall", f"{(sandboxed - in_process) * 1e6:8.1f} µs/state", "goal ≤ 100 µs"),
        ("isolation overhead per state, CPU", f"{(sandboxed_cpu - in_process_cpu) * 1e6:8.1f} µs/state",
         "steadier on a busy machine"),
        ("first build of an environment, one small package (uv cache)", f"{statistics.median(builds):8.2f} s",
         "goal ≤ 10 s (median of 3)"),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
