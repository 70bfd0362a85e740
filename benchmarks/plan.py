"""Benchmark ``invoke plan``: a generated project of N pipelines x 5 functions, planned under mocks.

    .venv/bin/python benchmarks/plan.py            # 100 and 200 pipelines
    .venv/bin/python benchmarks/plan.py 50         # other sizes

Each size runs in a fresh subprocess so imports and peak memory are measured per size.
Goals: 100 pipelines <= 20 s; 200 pipelines <= 2.2 x the time of 100.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = 5


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(pipelines: int) -> dict:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "runtime" / "deploy")]
    from deploy_projects import ProjectSpec, many_pipelines, write_project

    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp) / "bench", ProjectSpec(pipelines=list(many_pipelines(pipelines, FUNCTIONS))))
        start, cpu_start, children_start = time.perf_counter(), time.process_time(), _children_cpu()
        from dorc_runtime.deploy.plan import plan_project

        plan = plan_project(root, "prod")
        seconds = time.perf_counter() - start
        # pipeline stacks are planned in forked workers: their CPU counts too
        cpu = time.process_time() - cpu_start + _children_cpu() - children_start
        # the process's peak resident set (Linux reports KiB); tracemalloc would slow the run 3x
        peak_kib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {
        "pipelines": pipelines,
        "functions": pipelines * FUNCTIONS,
        "resources": len(plan.resources),
        "seconds": round(seconds, 2),
        # CPU time is what the goals compare when the machine is shared (wall time then includes waiting)
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mib_largest_process": round(peak_kib / 1024, 1),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(int(argv[1]))))
        return 0
    sizes = [int(a) for a in argv] or [100, 200]
    results = []
    for size in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    by_size = {r["pipelines"]: r for r in results}
    if 100 in by_size and 200 in by_size:
        for key in ("seconds", "cpu_seconds"):
            ratio = by_size[200][key] / by_size[100][key]
            print(f"{key}: 100 pipelines {by_size[100][key]} (goal <= 20); 200/100 ratio {ratio:.2f} (goal <= 2.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
