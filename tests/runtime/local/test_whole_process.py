"""`invoke run` as users run it: a fresh process in the project, exit codes and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def invoke(project, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=project.root, env=env, text=True,
                          capture_output=True, input=stdin, timeout=120)


def test_census_raw_then_processed_then_reset(project):
    project.census()

    raw = invoke(project, "run", "census", "--layer", "raw", "--event", '{"year": 2011}')
    assert raw.returncode == 0, raw.stderr
    assert "SUCCEEDED" in raw.stdout and '"key": "census/raw/2011.csv"' in raw.stdout

    processed = invoke(project, "run", "census", "--layer", "processed")
    assert processed.returncode == 0, processed.stderr
    assert "census/curated/population_by_region_2011.csv" in processed.stdout
    assert project.stored("census/curated/population_by_region_2011.csv").is_file()

    refused = invoke(project, "local-reset", stdin="")
    assert refused.returncode == 1 and "pass --yes" in refused.stderr
    assert invoke(project, "local-reset", "--yes").returncode == 0
    assert not project.stored("census/raw/2011.csv").exists()


def test_a_failed_run_exits_1_with_state_error_and_cause(project):
    project.census()
    failed = invoke(project, "run", "census", "--layer", "raw", "--event", '{"year": 1999}')
    assert failed.returncode == 1
    assert "FAILED" in failed.stdout
    assert failed.stderr.strip().splitlines()[-1].startswith(
        "Error: raw/census FAILED at state 'fetch': ValueError: There is no census sample for 1999"
    )
    assert "Traceback" not in failed.stderr


def test_tasks_are_listed_with_help(project):
    listed = invoke(project, "--list")
    for name in ("run", "call", "graph", "local-reset"):
        assert f"  {name} " in listed.stdout
    helped = invoke(project, "--help", "run")
    assert "--event" in helped.stdout and "@file.json" in helped.stdout
