"""`invoke run` as users run it: a fresh process in the project, exit codes and output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runtime.local.processes import servers_under, wait_until_ended

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


WRITE_THEN_WAIT = {
    "write": """
import os
import boto3

def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["DORC_HOLDING_BUCKET"], Key="written.txt", Body=b"kept")
    return event
""",
    "wait": """
import pathlib
import time

def handler(event, context):
    pathlib.Path(event["marker"]).write_text("waiting")
    time.sleep(600)
""",
}


def start_waiting_run(project, marker: Path) -> tuple[subprocess.Popen, set[int]]:
    """`invoke run` of write -> wait, in its own process group as a terminal would start it; returns
    once the second handler is waiting, with the run's server processes."""
    project.pipeline("raw", "slow", 'Function(name="write", next_function="wait"), '
                     'Function(name="wait", timeout_seconds=900)', WRITE_THEN_WAIT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    run = subprocess.Popen([sys.executable, "-m", "invoke", "run", "slow", "--event", json.dumps({"marker": str(marker)})],
                           cwd=project.root, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           start_new_session=True)
    while not marker.exists():
        assert run.poll() is None, run.communicate()
        time.sleep(0.05)
    servers = servers_under(run.pid)
    assert len(servers) == 1
    return run, servers


def test_ctrl_c_saves_the_holding_store_and_ends_the_server(project, tmp_path):
    run, servers = start_waiting_run(project, tmp_path / "waiting")
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    run.communicate(timeout=120)
    assert run.returncode != 0
    assert wait_until_ended(servers) == set()
    assert project.stored("written.txt").read_text() == "kept"


def test_a_killed_run_still_saves_and_leaves_no_server(project, tmp_path):
    run, servers = start_waiting_run(project, tmp_path / "waiting")
    run.kill()  # no cleanup at all in the run: the server sees its stdin close
    run.communicate(timeout=120)
    assert wait_until_ended(servers) == set()
    assert project.stored("written.txt").read_text() == "kept"


@pytest.mark.parametrize("signal_number, whole_group", [
    (signal.SIGTERM, True),  # kill -TERM -PGID, a process manager or `timeout`
    (signal.SIGHUP, True),  # the terminal closed
    (signal.SIGTERM, False),  # kill PID: the run alone
])
def test_a_terminated_run_still_saves_and_leaves_no_server(project, tmp_path, signal_number, whole_group):
    run, servers = start_waiting_run(project, tmp_path / "waiting")
    if whole_group:
        os.killpg(run.pid, signal_number)
    else:
        run.send_signal(signal_number)
    run.communicate(timeout=120)
    assert run.returncode != 0
    assert wait_until_ended(servers) == set()
    assert project.stored("written.txt").read_text() == "kept"
