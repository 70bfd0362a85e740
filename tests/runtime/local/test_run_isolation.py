"""Nothing one function does to its process reaches another function or the run, as each Lambda
function has execution environments of its own
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html): environment
variables, the working directory, threads, an exit (``Runtime.ExitError``, which Retry then
handles as on AWS: https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html)
and a timeout the handler swallows (the Task fails with ``States.Timeout`` and Catch goes on:
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)."""

from __future__ import annotations

import json
import os

import pytest
from invoke import Context

from dorc_runtime.tasks.local import run

MESSY = """
import os, sys, threading, time

def handler(event, context):
    os.environ["LEAK"] = "messy"
    os.environ["AWS_REGION"] = "mars-east-1"
    os.chdir("/")
    sys.path.insert(0, "/nowhere")
    threading.Thread(target=time.sleep, args=(3600,)).start()  # never ends, not a daemon
    print("messy left a thread behind")
    return event
"""

LOOKS = """
import os, sys

def handler(event, context):
    return {**event, "looks": {
        "leak": os.environ.get("LEAK"), "region": os.environ["AWS_REGION"], "cwd": os.getcwd(),
        "nowhere_on_path": "/nowhere" in sys.path, "http_proxy": os.environ.get("HTTP_PROXY"),
        "https_proxy": os.environ.get("https_proxy"), "no_proxy": os.environ.get("NO_PROXY"),
        "profile": os.environ.get("AWS_PROFILE"), "endpoint": os.environ["AWS_ENDPOINT_URL"],
    }}
"""

EXITS_ONCE = """
import os, sys

def handler(event, context):
    marker = os.path.join(os.environ["MARKERS"], "exited")
    if not os.path.exists(marker):
        open(marker, "w").close()
        sys.exit(3)
    return {**event, "exited_then_retried": True}
"""

SWALLOWS = """
import time

def handler(event, context):
    while True:
        try:
            time.sleep(60)
        except BaseException:
            pass
"""

AFTER = """
def handler(event, context):
    return {"looks": event["looks"], "retried": event["exited_then_retried"], "caught": event["error"]["Error"]}
"""


@pytest.mark.timeout(300)
def test_one_functions_mess_reaches_neither_the_next_function_nor_the_run(project, capsys, monkeypatch, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    project.pipeline(
        "raw", "iso",
        'Function(name="messy", next_function="looks"), Function(name="looks", next_function="exits"), '
        f'Function(name="exits", next_function="swallows", environment={{"MARKERS": "{markers}"}}, '
        '          retry=(__import__("dorc_runtime").Retry(errors=("Runtime.ExitError",), interval_seconds=1),)), '
        'Function(name="swallows", timeout_seconds=1, '
        '          catch=(__import__("dorc_runtime").Catch(next_function="after", errors=("States.Timeout",)),)), '
        'Function(name="after")',
        {"messy": MESSY, "looks": LOOKS, "exits": EXITS_ONCE, "swallows": SWALLOWS, "after": AFTER},
    )
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("AWS_PROFILE", "production")
    cwd, environ = os.getcwd(), dict(os.environ)
    report = tmp_path / "report.json"

    run(Context(), "iso", layer="raw", output=str(report))

    out = capsys.readouterr().out
    assert "messy left a thread behind" in out
    output = json.loads(report.read_text())["output"]
    looks = output["looks"]
    assert looks == {
        "leak": None, "region": "eu-west-2", "cwd": str(project.root / "src/raw/iso/src/looks"),
        "nowhere_on_path": False, "http_proxy": None, "https_proxy": None, "no_proxy": "localhost,127.0.0.1,::1",
        "profile": None, "endpoint": looks["endpoint"],
    }
    assert looks["endpoint"].startswith("http://127.0.0.1:")
    assert output["retried"] is True and output["caught"] == "States.Timeout"
    history = json.loads(report.read_text())["history"]
    assert [e["state"] for e in history if e.get("status") == "RETRYING"] == ["exits"]
    # the run's own process is as it was
    assert os.getcwd() == cwd and dict(os.environ) == environ


READS_S3_MODEL = """
import sys
BOTO3_AHEAD = "boto3" in sys.modules
import boto3, botocore.session
PARSED = ("load_service_model", "s3", "service-2") in botocore.session.get_session().get_component("data_loader")._cache

def handler(event, context):
    seen = {"boto3_ahead": BOTO3_AHEAD, "s3_parsed": PARSED}
    boto3.client("s3").put_object(Bucket=__import__("os").environ["DORC_HOLDING_BUCKET"], Key="seen.json",
                                  Body=__import__("json").dumps(seen).encode())
    return seen
"""

PLAIN = """
import sys
BOTO3_AHEAD = "boto" "3" in sys.modules  # (the SDK's name, spelt so that the code does not mention it)

def handler(event, context):
    return {**event, "plain": {"boto3_ahead": BOTO3_AHEAD}}
"""


@pytest.mark.timeout(300)
def test_a_runs_sandboxes_are_prepared_for_what_their_pipelines_code_uses(project, tmp_path):
    """Lambda imports only what a function imports: boto3 is there ahead only for a pipeline whose
    code uses the SDK, with the models of the services it names parsed once for all its sandboxes
    (which changes what a sandbox costs, not what it can do: the put still reaches the holding store)."""
    project.pipeline("raw", "plain", 'Function(name="plain")', {"plain": PLAIN})
    project.pipeline("raw", "sdk", 'Function(name="reads")', {"reads": READS_S3_MODEL})
    report = tmp_path / "report.json"

    run(Context(), "plain", layer="raw", output=str(report))
    assert json.loads(report.read_text())["output"]["plain"] == {"boto3_ahead": False}

    run(Context(), "sdk", layer="raw", output=str(report))
    assert json.loads(report.read_text())["output"] == {"boto3_ahead": True, "s3_parsed": True}
    assert json.loads(project.stored("seen.json").read_text()) == {"boto3_ahead": True, "s3_parsed": True}
