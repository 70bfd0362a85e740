"""Isolation's cost: per-state overhead when every function runs in its own sandbox process, and
the first-time build of a pipeline's environment with one small dependency from uv's cache.

* per state: a 50-state chain of no-op functions, each in a warm sandbox of its own (as in
  `invoke run`), against the same chain with in-process handlers (``run_state_machine``'s test
  API) and a plain Python chain with a JSON round trip per step (the JSON-chain limit);
* where the isolation overhead goes: the machine's floor (the same ring of 50 processes answering
  one after the other over pipes, bare ``os.read``/``os.write`` in each, no dorc code), and the
  sandboxes alone (the same 50 sandbox processes driven by a bare loop writing their request
  lines and reading their replies, no interpreter and no run-side code): sandboxes alone minus the
  floor is the sandboxes' own Python, sandboxed minus in-process minus sandboxes alone the run
  side's;
* environment build: ``environments.ensure`` for a requirements file holding ``idna`` (one small
  package) under a fresh key, with uv's cache warm and the Python choice remembered, as a second
  pipeline's first run is.

    .venv/bin/python benchmarks/sandboxes.py   (prints a table; no assertions)
"""

from __future__ import annotations

import json
import os
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


def _cpu(pids: list[int]) -> float:
    """CPU seconds these processes have used (Linux /proc/<pid>/schedstat, in nanoseconds)."""
    return sum(int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) for pid in pids) / 1e9


def _pids(boxes: list[FunctionSandboxes]) -> list[int]:
    return [worker.process.pid for box in boxes for worker in box._all]


class Samples:
    """Per-state wall and CPU (this process and ``pids``) of repeated runs of one measure."""

    def __init__(self, run, pids: list[int]) -> None:
        self.run, self.pids = run, pids
        self.walls: list[float] = []
        self.cpus: list[float] = []

    def take(self, repeats: int) -> None:
        for _ in range(repeats):
            cpu, others, started = time.process_time(), _cpu(self.pids), time.perf_counter()
            self.run()
            self.walls.append((time.perf_counter() - started) / STATES)
            self.cpus.append((time.process_time() - cpu + _cpu(self.pids) - others) / STATES)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


ROUNDS = 20  # each measure is taken this many times, in turn with the others
# what a sandbox reads for one invocation of the chain (see worker/loop.py's protocol)
REQUEST = f"{'0' * 8}-0000-4000-8000-{'0' * 12}\t30000\t{json.dumps(EVENT)}\n".encode()


def round_trips(pipes: list[tuple[int, int]]) -> None:
    """One request line written to each process in turn, its reply read before the next."""
    for request, reply in pipes:
        os.write(request, REQUEST)
        os.read(reply, 1 << 16)


def floor_ring() -> tuple[list[tuple[int, int]], list[int]]:
    """``STATES`` forked processes that echo each line back with bare ``os.read``/``os.write``:
    the least an invocation in a process of its own costs on this machine (pipes, wake-ups, a
    cold process per state). Forked before any thread of the run exists."""
    pipes, pids = [], []
    for _ in range(STATES):
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (request_write, reply_read, *(fd for pair in pipes for fd in pair)):
                os.close(fd)  # the ring's other ends: each process must see its own EOF
            while data := os.read(request_read, 1 << 16):
                os.write(reply_write, data)
            os._exit(0)
        os.close(request_read)
        os.close(reply_write)
        pipes.append((request_write, reply_read))
        pids.append(pid)
    return pipes, pids


def end_ring(pipes: list[tuple[int, int]], pids: list[int]) -> None:
    for request, reply in pipes:
        os.close(request)
        os.close(reply)
    for pid in pids:
        os.waitpid(pid, 0)


def sandbox_pipes(boxes: list[FunctionSandboxes]) -> list[tuple[int, int]]:
    """The request and reply descriptors of each function's warm sandbox, to drive the sandboxes
    with :func:`round_trips` and nothing of the run's side."""
    return [(worker.process.stdin.fileno(), worker._replies) for box in boxes for worker in box._all]


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
    ring, ring_pids = floor_ring()
    with tempfile.TemporaryDirectory() as folder:
        project, logs = Path(folder) / "project", Path(folder) / "logs"
        project.mkdir()
        logs.mkdir()
        handlers, boxes = sandboxed_handlers(project, logs)
        try:
            pipes = sandbox_pipes(boxes)
            measures = {
                "floor": (Samples(lambda: round_trips(ring), ring_pids), 5),
                "in-process": (Samples(lambda: run_state_machine(definition, plain_handlers, EVENT), []), 5),
                "sandboxed": (Samples(lambda: run_state_machine(definition, handlers, EVENT), _pids(boxes)), 2),
                "alone": (Samples(lambda: round_trips(pipes), _pids(boxes)), 5),
            }
            for measure, _ in measures.values():
                measure.run()  # warm
            for _ in range(ROUNDS):  # taken in turn, so that changes in the machine's load hit all alike
                for measure, repeats in measures.values():
                    measure.take(repeats)
        finally:
            for box in boxes:
                box.close()
            end_ring(ring, ring_pids)
        floor, in_process, sandboxed, alone = (measure for measure, _ in measures.values())
        env_build_seconds(project)  # fills uv's cache with idna the first time
        builds = [env_build_seconds(project) for _ in range(3)]
    overhead, overhead_cpu = sandboxed.wall - in_process.wall, sandboxed.cpu - in_process.cpu
    rows = [
        ("plain Python chain, JSON round trip per step", f"{baseline * 1e6:8.1f} µs/state", "the JSON-chain limit"),
        ("in-process handlers (run_state_machine), wall", f"{in_process.wall * 1e6:8.1f} µs/state",
         f"{in_process.wall / baseline:.1f}× the limit; CPU {in_process.cpu * 1e6:.1f} µs"),
        ("sandboxed handlers, warm (invoke run), wall", f"{sandboxed.wall * 1e6:8.1f} µs/state",
         f"{sandboxed.wall / in_process.wall:.1f}× in-process, {sandboxed.wall / baseline:.1f}× the limit; "
         f"CPU (run + sandboxes) {sandboxed.cpu * 1e6:.1f} µs"),
        ("isolation overhead per state, wall", f"{overhead * 1e6:8.1f} µs/state", "goal ≤ 100 µs"),
        ("isolation overhead per state, CPU", f"{overhead_cpu * 1e6:8.1f} µs/state", "steadier on a busy machine"),
        ("  floor: 50-process ring, bare pipe round trips", f"{floor.wall * 1e6:8.1f} µs/state",
         f"no dorc code; CPU (both sides) {floor.cpu * 1e6:.1f} µs"),
        ("  sandboxes' own Python (alone - floor)", f"{(alone.wall - floor.wall) * 1e6:8.1f} µs/state",
         f"CPU {(alone.cpu - floor.cpu) * 1e6:.1f} µs; the sandboxes driven by a bare loop: "
         f"{alone.wall * 1e6:.1f} µs wall, {alone.cpu * 1e6:.1f} µs CPU"),
        ("  run side's Python (overhead - alone)", f"{(overhead - alone.wall) * 1e6:8.1f} µs/state",
         f"CPU {(overhead_cpu - alone.cpu) * 1e6:.1f} µs"),
        ("load average during the run (1 min)", f"{os.getloadavg()[0]:8.2f}", "other work on the machine"),
        ("first build of an environment, one small package (uv cache)", f"{statistics.median(builds):8.2f} s",
         "goal ≤ 10 s (median of 3)"),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
