"""The ``dorc`` fixture (``dorc_runtime.testing``) as a project's pytest run uses it: the session
runs in a host process of dorc's environment (``dorc_runtime.testing_host``); what the test sees
is what ``invoke run`` / ``invoke call`` give, errors included, and a test that times out
mid-run costs the next test nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers.projects import write_pipeline, write_settings

REPO = Path(__file__).resolve().parents[2]

HANDLERS = {
    "upper": """
        import os, boto3
        def handler(event, context):
            s3 = boto3.client("s3")
            bucket = os.environ["DORC_HOLDING_BUCKET"]
            text = s3.get_object(Bucket=bucket, Key="in.txt")["Body"].read().decode()
            s3.put_object(Bucket=bucket, Key="out.txt", Body=text.upper().encode())
            return {**event, "length": len(text)}
    """,
    "fails": """
        def handler(event, context):
            if event.get("boom"):
                raise ValueError("no rows for " + str(event["boom"]))
            return event
    """,
    "sleeps": """
        import time
        def handler(event, context):
            time.sleep(event.get("seconds", 0))
            return event
    """,
}

TESTS = '''
import pytest
from dorc_runtime.errors import ExecutionFailed, ProjectError


def test_run_seed_read_keys(dorc):
    dorc.seed({"in.txt": "abc"})
    result = dorc.run("p", layer="raw", event={"year": 2021})
    assert result.succeeded, result.failure
    assert result.output == {"year": 2021, "length": 3}
    assert result.states() == ["upper", "fails", "sleeps"]
    assert result.history[0].status == "SUCCEEDED" and result.history[0].input == {"year": 2021}
    assert dorc.read("out.txt") == b"ABC"
    assert dorc.keys() == ["in.txt", "out.txt"]
    assert dorc.s3().get_object(Bucket=dorc.bucket, Key="out.txt")["Body"].read() == b"ABC"


def test_each_test_has_an_empty_store_and_a_failed_run_says_where(dorc):
    assert dorc.keys() == []
    result = dorc.run("p", layer="raw", event={})
    assert not result.succeeded and result.error == "NoSuchKey" and result.failed_state == "upper"
    assert result.failure.startswith("FAILED at state 'upper': NoSuchKey: ")


def test_a_failed_call_raises_with_lambdas_error_and_cause(dorc):
    with pytest.raises(ExecutionFailed) as failed:
        dorc.call("fails", "p", layer="raw", event={"boom": 2021})
    assert failed.value.error == "ValueError" and "no rows for 2021" in failed.value.cause


def test_an_unknown_pipeline_is_dorcs_own_error(dorc):
    with pytest.raises(ProjectError, match="ghost"):
        dorc.run("ghost", layer="raw")


@pytest.mark.timeout(3)
def test_times_out_mid_run(dorc):
    dorc.call("sleeps", "p", layer="raw", event={"seconds": 30})


def test_the_next_test_still_runs(dorc):
    assert dorc.call("sleeps", "p", layer="raw", event={"seconds": 0}) == {"seconds": 0}
'''


@pytest.mark.timeout(300)
def test_the_dorc_fixture_in_a_projects_pytest_run(tmp_path):
    root = tmp_path / "project"
    write_settings(root, "demo")
    write_pipeline(root, "raw", "p",
                   'Function(name="upper", next_function="fails"), Function(name="fails", next_function="sleeps"), '
                   'Function(name="sleeps", timeout_seconds=60)',
                   {name: textwrap.dedent(source) for name, source in HANDLERS.items()})
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text('pytest_plugins = ["dorc_runtime.testing"]\n')
    (root / "tests" / "test_with_dorc.py").write_text(TESTS)

    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-o", "addopts=", "tests"], cwd=root, capture_output=True, text=True, timeout=240)

    summary = done.stdout.strip().splitlines()[-1]
    assert "5 passed" in summary and "1 failed" in summary, done.stdout[-3000:] + done.stderr[-2000:]
    assert "test_times_out_mid_run" in done.stdout and "Timeout" in done.stdout


@pytest.mark.timeout(120)
def test_a_tooling_python_without_dorc_names_the_fix(tmp_path):
    """A pipeline's test run from an IDE in the pipeline's own environment, without `invoke test`."""
    root = tmp_path / "project"
    write_settings(root, "demo")
    write_pipeline(root, "raw", "p", 'Function(name="fails")', {"fails": textwrap.dedent(HANDLERS["fails"])})
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text('pytest_plugins = ["dorc_runtime.testing"]\n')
    (root / "tests" / "test_one.py").write_text("def test_call(dorc):\n    dorc.call('fails', 'p', layer='raw')\n")
    subprocess.run([Path(sys.base_prefix) / "bin" / "python3", "-m", "venv", "--without-pip", tmp_path / "bare"],
                   check=True, timeout=60)

    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "tests"],
                          cwd=root, capture_output=True, text=True, timeout=100,
                          env={**os.environ, "DORC_TOOLING_PYTHON": str(tmp_path / "bare/bin/python")})

    assert done.returncode != 0
    assert "Fix: run the tests with 'invoke test', or set DORC_TOOLING_PYTHON to the Python that runs invoke" in done.stdout


@pytest.mark.timeout(60)
def test_a_bug_in_the_host_is_a_traceback_for_that_test_and_the_host_goes_on():
    from dorc_runtime.testing import _Host

    host = _Host(sys.executable, REPO)
    try:
        with pytest.raises(RuntimeError, match="(?s)dorc's test session failed:.*Traceback.*unexpected keyword"):
            host.ask("open", root=str(REPO), store="/nowhere", environment=None, colour="blue")
        assert host.alive and host.ask("close") is None
    finally:
        host.close()
    assert not host.alive
