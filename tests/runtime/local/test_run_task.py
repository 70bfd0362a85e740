"""`invoke run` / `invoke call` in-process: the census example end to end, and every kind of bad
input ending in one clear error with what earlier states wrote kept in the holding store."""

from __future__ import annotations

import json

import pytest
from invoke import Context
from invoke.exceptions import Exit

from dorc_runtime.tasks.local import call, run
from tests.runtime.local.processes import servers_under

FIRST = """
import os
import boto3

def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["DORC_HOLDING_BUCKET"], Key="first/done.txt", Body=b"kept")
    print("first wrote first/done.txt")
    return event
"""

SECOND = """
import time

class CensusBroken(Exception):
    pass

def handler(event, context):
    mode = event.get("mode")
    if mode == "raise":
        raise CensusBroken("the census is broken")
    if mode == "nonjson":
        return {"when": object()}
    if mode == "big":
        return {"blob": "x" * (300 * 1024)}
    if mode == "sleep":
        time.sleep(30)
    return {"ok": True, "remaining_ms": context.get_remaining_time_in_millis()}
"""


@pytest.fixture
def chain(project):
    project.pipeline(
        "raw", "chain",
        'Function(name="first", next_function="second"), Function(name="second", timeout_seconds=1)',
        {"first": FIRST, "second": SECOND},
    )
    return project


def run_failing(**kwargs) -> str:
    with pytest.raises(Exit) as raised:
        run(Context(), **kwargs)
    assert raised.value.code == 1
    return str(raised.value.message)


def test_census_raw_then_processed(project, capsys, tmp_path):
    project.census()

    run(Context(), "census", layer="raw", event='{"year": 2021}')
    out = capsys.readouterr().out
    assert "ok      fetch" in out and "ok      validate" in out and "ok      publish" in out
    assert "staged 24 rows for 2021" in out  # the handler's print, shown with its state
    assert project.stored("census/raw/2021.csv").read_text().startswith("year,region,area")

    report = tmp_path / "report.json"
    run(Context(), "census", layer="processed", output=str(report))
    out = capsys.readouterr().out
    curated = project.stored("census/curated/population_by_region_2021.csv")
    assert curated.read_text().splitlines()[0] == "region,population,aged_65_plus,share_65_plus"
    document = json.loads(report.read_text())
    assert document["status"] == "SUCCEEDED"
    assert document["output"]["key"] == "census/curated/population_by_region_2021.csv"
    assert [e["state"] for e in document["history"]] == ["aggregate", "publish"]
    assert {"status", "output", "error", "cause", "history"} <= set(document)
    assert '"uri": "s3://demo-local-holding-123456789012/census/curated/population_by_region_2021.csv"' in out


def test_processed_alone_says_to_run_raw_first(project):
    project.census()
    message = run_failing(pipeline="census", layer="processed")
    assert "FAILED at state 'aggregate': FileNotFoundError" in message
    assert "run the raw census pipeline first" in message


def test_handler_exception_names_state_error_and_cause_and_keeps_earlier_writes(chain, capsys):
    message = run_failing(pipeline="chain", event='{"mode": "raise"}')

    assert "raw/chain FAILED at state 'second': CensusBroken: the census is broken" in message
    assert chain.stored("first/done.txt").read_text() == "kept"
    assert servers_under() == set()  # the server process ended with the run
    out = capsys.readouterr().out
    assert "first wrote first/done.txt" in out
    assert 'raise CensusBroken("the census is broken")' in out  # the handler's traceback


def test_result_that_is_not_json(chain):
    message = run_failing(pipeline="chain", event='{"mode": "nonjson"}')
    assert "Runtime.MarshalError" in message and "not JSON serializable" in message
    assert chain.stored("first/done.txt").exists()


def test_result_over_256_kb(chain):
    message = run_failing(pipeline="chain", event='{"mode": "big"}')
    assert "States.DataLimitExceeded" in message
    assert chain.stored("first/done.txt").exists()


def test_handler_that_never_returns_times_out(chain):
    message = run_failing(pipeline="chain", event='{"mode": "sleep"}')
    assert "FAILED at state 'second': States.Timeout" in message
    assert chain.stored("first/done.txt").exists()
    assert servers_under() == set()


def test_output_file_on_failure(chain, tmp_path):
    report = tmp_path / "failed.json"
    run_failing(pipeline="chain", event='{"mode": "raise"}', output=str(report))
    document = json.loads(report.read_text())
    assert document["status"] == "FAILED"
    assert document["error"] == "CensusBroken"
    assert json.loads(document["cause"])["errorMessage"] == "the census is broken"


def test_malformed_event(chain):
    message = run_failing(pipeline="chain", event='{"mode": ')
    assert "--event is not valid JSON" in message


def test_unknown_pipeline(chain):
    message = run_failing(pipeline="nope")
    assert "There is no pipeline 'nope'" in message


def test_success_shows_output_and_context_timeout(chain, capsys):
    run(Context(), "chain", event="{}")
    out = capsys.readouterr().out
    assert "SUCCEEDED" in out
    shown, last = out[out.index("Output:") + len("Output:"):].rstrip("\n").rsplit("\n", 1)
    remaining = json.loads(shown)["remaining_ms"]
    assert 0 < remaining <= 1000  # second's timeout_seconds=1
    assert last.startswith("Estimated AWS cost (eu-west-2, prices of 2026-12-01): $")  # the run's last line


def test_call_one_function(chain, capsys):
    call(Context(), "first", pipeline="chain", event='{"x": 1}')
    out = capsys.readouterr().out
    assert "first wrote first/done.txt" in out
    assert json.loads(out[out.index("{"):]) == {"x": 1}
    assert chain.stored("first/done.txt").exists()


def test_call_missing_function(chain):
    with pytest.raises(Exit) as raised:
        call(Context(), "third", pipeline="chain")
    assert "Pipeline raw/chain has no function 'third'" in str(raised.value.message)
    assert servers_under() == set()


def test_call_failures_are_named(chain):
    with pytest.raises(Exit) as raised:
        call(Context(), "second", pipeline="chain", event='{"mode": "nonjson"}')
    assert "second failed: Runtime.MarshalError" in str(raised.value.message)
    with pytest.raises(Exit) as raised:
        call(Context(), "second", pipeline="chain", event='{"mode": "sleep"}')
    assert "States.Timeout" in str(raised.value.message)


def test_refuses_when_boto3_would_reach_real_aws(chain, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.eu-west-2.amazonaws.com")
    message = run_failing(pipeline="chain")
    assert "AWS_ENDPOINT_URL_S3=https://s3.eu-west-2.amazonaws.com is not a loopback address" in message
    assert not chain.stored("first/done.txt").exists()  # no handler ran
    assert servers_under() == set()


def test_environment_is_restored_after_a_run(chain, monkeypatch):
    import os
    import sys

    monkeypatch.setenv("AWS_PROFILE", "real-profile")
    before_env, before_path = dict(os.environ), list(sys.path)
    run(Context(), "chain")
    assert dict(os.environ) == before_env
    assert sys.path == before_path
    assert "lambda" not in sys.modules
