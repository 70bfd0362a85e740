"""Local runner performance: per-state overhead, a big Map, memory across a huge Map, and the
same chain through moto's Step Functions interpreter for comparison.

Run: .venv/bin/python benchmarks/local_runner.py   (prints a table; no assertions)
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "runtime" / "local" / "interpreter")]

from dorc_runtime.asl import NamingResolver, build_state_machine  # noqa: E402
from dorc_runtime.local import run_state_machine  # noqa: E402
from dorc_runtime.models import Function, MapSettings, PipelineDefinition  # noqa: E402
from dorc_runtime.naming import Naming  # noqa: E402

STATES = 50
RESOLVER = NamingResolver(Naming("bench", "local"), "us-east-1", "123456789012", "raw", "bench")
EVENT = {"year": 2021, "rows": [1, 2, 3], "source": "census.csv"}


def noop(event, context):
    return event


def chain_definition(states: int) -> dict:
    functions = [Function(name=f"f{i}", next_function=f"f{i + 1}" if i < states - 1 else None) for i in range(states)]
    return build_state_machine(PipelineDefinition(file_path=Path("/p/src/raw/bench/__main__.py"), functions=functions),
                               RESOLVER)


def map_definition(max_concurrency: int = 0) -> dict:
    functions = [Function(name="each", map=MapSettings(items_path="$.items", max_concurrency=max_concurrency))]
    return build_state_machine(PipelineDefinition(file_path=Path("/p/src/raw/bench/__main__.py"), functions=functions),
                               RESOLVER)


def median_seconds(fn, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def plain_chain_per_state() -> float:
    def run():
        data = EVENT
        for _ in range(STATES):
            data = json.loads(json.dumps(noop(data, None)))

    return median_seconds(run, 200) / STATES


def local_chain_per_state() -> tuple[float, float]:
    definition = chain_definition(STATES)
    handlers = {RESOLVER.function_arn(f"f{i}"): noop for i in range(STATES)}
    handler_only = median_seconds(lambda: [noop(EVENT, None) for _ in range(STATES)], 200) / STATES
    per_state = median_seconds(lambda: run_state_machine(definition, handlers, EVENT), 200) / STATES
    return per_state, per_state - handler_only


def moto_chain_per_state(states: int = 10) -> float:
    """Per state, with moto's setup (mock, IAM, Lambda functions) cancelled out: (10 states - 1 state) / 9."""
    from moto_sfn_harness import run_in_moto

    def timed(count: int) -> float:
        definition = chain_definition(count)
        handlers = {RESOLVER.function_arn(f"f{i}"): noop for i in range(count)}
        start = time.perf_counter()
        assert run_in_moto(definition, handlers, EVENT).status == "SUCCEEDED"
        return time.perf_counter() - start

    timed(1)  # warm imports and moto's parser
    long_run = statistics.median(timed(states) for _ in range(3))
    short_run = statistics.median(timed(1) for _ in range(3))
    return (long_run - short_run) / (states - 1)


def map_seconds(items: int) -> float:
    definition = map_definition()
    handlers = {RESOLVER.function_arn("each"): noop}
    payload = {"items": list(range(items))}
    return median_seconds(lambda: run_state_machine(definition, handlers, payload), 3)


def map_peak_bytes(items: int) -> int:
    definition = map_definition()
    handlers = {RESOLVER.function_arn("each"): noop}
    payload = {"items": list(range(items))}
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    run_state_machine(definition, handlers, payload)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    baseline = plain_chain_per_state()
    per_state, overhead = local_chain_per_state()
    moto = moto_chain_per_state()
    map_10k = map_seconds(10_000)
    peak_10k, peak_100k = map_peak_bytes(10_000), map_peak_bytes(100_000)
    rows = [
        ("plain Python chain, JSON round trip per step", f"{baseline * 1e6:8.1f} µs/state", "baseline"),
        ("dorc local runner, 50-state chain (per state)", f"{per_state * 1e6:8.1f} µs/state",
         f"{per_state / baseline:.1f}× baseline (goal ≤ 10×)"),
        ("dorc local runner overhead (minus handler)", f"{overhead * 1e6:8.1f} µs/state", "goal ≤ 50 µs"),
        ("moto Step Functions + Lambda, 10-state chain", f"{moto * 1e3:8.2f} ms/state",
         f"dorc is {moto / per_state:.0f}× faster (goal ≥ 400×)"),
        ("10,000-item Map, no-op handler", f"{map_10k:8.3f} s", "goal ≤ 2 s"),
        ("Map peak memory, 10,000 items", f"{peak_10k / 1e6:8.2f} MB", f"{peak_10k / 10_000:.0f} B/item"),
        ("Map peak memory, 100,000 items", f"{peak_100k / 1e6:8.2f} MB",
         f"{peak_100k / 100_000:.0f} B/item (flat: same per item; input + output lists)"),
    ]
    print_table(rows)


def print_table(rows: list[tuple[str, str, str]]) -> None:
    """(measure, figure, note) rows, aligned."""
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'figure':>16}  note")
    for name, figure, note in rows:
        print(f"{name:<{width}}  {figure:>16}  {note}")


if __name__ == "__main__":
    main()
