"""A function's sandboxes behave like Lambda's execution environments.

Rules checked here, from AWS's documentation:
* https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html - an execution
  environment is reused for later invocations of the same function (module state persists while it
  is warm), concurrent invocations get environments of their own, the Init phase imports the handler.
* https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html - a function that
  exits reports ``Runtime.ExitError`` ("Runtime exited with error: exit status 3",
  "signal: ..."), one that overruns its timeout ``Sandbox.Timedout`` ("Task timed out after N
  seconds"), and the next invocation gets a fresh environment.
* https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html - the result must be JSON
  serializable (``Runtime.MarshalError``); a handler module that cannot be imported is
  ``Runtime.ImportModuleError`` ("Unable to import module 'lambda': No module named ...").
"""

from __future__ import annotations

import json
import os
import signal
import textwrap
import threading
import time
from pathlib import Path

import pytest

from dorc_runtime.local.sandbox import environments, workers
from dorc_runtime.local.sandbox.workers import FunctionSandboxes, LambdaFailure, SandboxSpec

ARN = "arn:aws:lambda:eu-west-2:123456789012:function:demo-local-raw-p-f"
LOOPBACK = "http://127.0.0.1:9"  # never contacted: only the real-AWS guard reads it


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """An environment with no requirement files: what Lambda's Python runtime has (boto3)."""
    root = tmp_path_factory.mktemp("project")
    return environments.ensure(environments.EnvironmentRequest("tests/bare", root, "3.12", ()), notify=lambda _: None)


@pytest.fixture
def sandboxes(environment, tmp_path):
    made: list[FunctionSandboxes] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def make(source: str, name: str = "f", variables: dict[str, str] | None = None,
             files: dict[str, str] | None = None) -> FunctionSandboxes:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "lambda.py").write_text(textwrap.dedent(source))
        for relative, text in (files or {}).items():
            (folder / relative).write_text(textwrap.dedent(text))
        env = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": LOOPBACK, **(variables or {})}
        box = FunctionSandboxes(SandboxSpec(environment.python, folder, ARN, env), logs)
        made.append(box)
        return box

    yield make
    for box in made:
        box.close()


def call(box: FunctionSandboxes, event: object = None, timeout: float = 30,
         lines: list[str] | None = None) -> object:
    ok, payload = box.invoke("req-1", json.dumps(event if event is not None else {}), timeout,
                             lines if lines is not None else [])
    if not ok:
        raise LambdaFailure(json.loads(payload))
    return json.loads(payload)


def failure(box: FunctionSandboxes, event: object = None, timeout: float = 30) -> dict:
    with pytest.raises(LambdaFailure) as raised:
        call(box, event, timeout)
    return raised.value.lambda_error_document


COUNTER = """
import os
calls = 0
def handler(event, context):
    global calls
    calls += 1
    return {"calls": calls, "pid": os.getpid()}
"""


def test_a_warm_sandbox_keeps_module_state_and_another_function_has_its_own(sandboxes):
    first, second = sandboxes(COUNTER, "first"), sandboxes(COUNTER, "second")
    assert [call(first)["calls"] for _ in range(3)] == [1, 2, 3]
    assert call(second)["calls"] == 1
    assert call(first)["pid"] != call(second)["pid"] != os.getpid()


def call_concurrently(box: FunctionSandboxes, count: int) -> list[object]:
    """What ``count`` invocations made at once returned (each handler returns its pid)."""
    pids: list[object] = []
    threads = [threading.Thread(target=lambda: pids.append(call(box))) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pids


def test_concurrent_invocations_get_sandboxes_of_their_own(sandboxes):
    box = sandboxes("""
        import os, time
        def handler(event, context):
            time.sleep(0.5)
            return os.getpid()
    """)
    pids = call_concurrently(box, 3)
    assert len(set(pids)) == 3


def test_invocations_beyond_the_local_limit_wait_for_a_free_sandbox(sandboxes, monkeypatch):
    monkeypatch.setattr(workers, "MAX_SANDBOXES_PER_FUNCTION", 2)
    box = sandboxes("""
        import os, time
        def handler(event, context):
            time.sleep(0.3)
            return os.getpid()
    """)
    pids = call_concurrently(box, 5)
    assert len(pids) == 5 and len(set(pids)) == 2


def test_the_handler_sees_its_folder_its_environment_and_nothing_of_dorc(sandboxes):
    box = sandboxes("""
        import os, sys, helper
        def handler(event, context):
            found = {}
            for name in ("boto3", "pydantic", "yaml", "moto", "invoke", "rich", "dorc_runtime"):
                try:
                    __import__(name)
                    found[name] = True
                except ImportError:
                    found[name] = False
            return {"cwd": os.getcwd(), "path0": sys.path[0], "helper": helper.WHO, "found": found,
                    "dorc_on_path": [p for p in sys.path if "dorc_runtime" in p],
                    "request": context.aws_request_id, "arn": context.invoked_function_arn,
                    "env": sorted(os.environ)}
    """, files={"helper.py": "WHO = 'mine'\n"}, variables={"ONLY_THIS": "1"})
    seen = call(box)
    folder = str(box.spec.task_root)
    assert seen["cwd"] == folder and seen["path0"] == folder and seen["helper"] == "mine"
    # Lambda's Python runtime includes boto3; dorc's own tooling is not there
    assert seen["found"] == {"boto3": True, "pydantic": False, "yaml": False, "moto": False, "invoke": False,
                             "rich": False, "dorc_runtime": False}
    assert seen["dorc_on_path"] == []
    assert seen["request"] == "req-1" and seen["arn"] == ARN
    assert "ONLY_THIS" in seen["env"] and "HOME" not in seen["env"]  # nothing inherited from the run


def test_sys_exit_is_runtime_exit_error_and_the_next_call_starts_afresh(sandboxes):
    box = sandboxes("""
        import os, sys
        calls = 0
        def handler(event, context):
            global calls
            calls += 1
            if event.get("exit") is not None:
                sys.exit(event["exit"])
            if event.get("hard"):
                os._exit(0)
            if event.get("crash"):
                os.kill(os.getpid(), 11)
            return calls
    """)
    assert call(box) == 1
    assert failure(box, {"exit": 3}) == {
        "errorType": "Runtime.ExitError", "errorMessage": "RequestId: req-1 Error: Runtime exited with error: exit status 3",
        "requestId": "req-1", "stackTrace": []}
    assert call(box) == 1  # a new sandbox: module state is gone, as after Lambda resets one
    assert failure(box, {"hard": True})["errorMessage"] == "RequestId: req-1 Error: Runtime exited without providing a reason"
    assert failure(box, {"crash": True})["errorMessage"] == (
        "RequestId: req-1 Error: Runtime exited with error: signal: segmentation fault")
    assert call(box) == 1


@pytest.mark.timeout(60)
def test_a_timeout_kills_the_sandbox_even_when_the_handler_swallows_it(sandboxes):
    box = sandboxes("""
        import os, time
        def handler(event, context):
            with open("pid", "w") as f:
                f.write(str(os.getpid()))
            while True:
                try:
                    time.sleep(10)
                except BaseException:
                    pass
    """)
    started = time.monotonic()
    document = failure(box, timeout=0.5)
    assert document["errorType"] == "Sandbox.Timedout"
    assert document["errorMessage"] == "RequestId: req-1 Error: Task timed out after 0.50 seconds"
    assert time.monotonic() - started < 30  # a bound, not a measurement
    pid = int((box.spec.task_root / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_results_that_are_not_json_are_marshal_errors(sandboxes):
    box = sandboxes("""
        def handler(event, context):
            if event["kind"] == "set":
                return {1, 2}
            deep = {}
            for _ in range(100_000):
                deep = {"d": deep}
            return deep
    """)
    document = failure(box, {"kind": "set"})
    assert document["errorType"] == "Runtime.MarshalError"
    assert document["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"
    assert failure(box, {"kind": "deep"})["errorType"] == "Runtime.MarshalError"


def test_a_handler_exception_is_its_class_and_the_sandbox_stays_warm(sandboxes):
    box = sandboxes("""
        import os
        calls = 0
        def handler(event, context):
            global calls
            calls += 1
            if event:
                raise ValueError(f"bad {calls}")
            return {"pid": os.getpid()}
    """)
    first = call(box)
    document = failure(box, {"x": 1})
    assert document["errorType"] == "ValueError" and document["errorMessage"] == "bad 2"
    assert any("lambda.py" in frame for frame in document["stackTrace"])
    assert call(box)["pid"] == first["pid"]


def test_output_has_real_streams_and_is_kept_per_invocation(sandboxes):
    box = sandboxes("""
        import logging, os, sys
        def handler(event, context):
            print("printed")
            sys.stdout.buffer.write(b"bytes\\n")
            sys.stdout.flush()
            os.write(sys.stderr.fileno(), b"to fd 2\\n")
            logging.getLogger("mine").warning("warned %d", event["n"])
            return None
    """)
    lines: list[str] = []
    call(box, {"n": 1}, lines=lines)
    assert lines == ["printed", "bytes", "to fd 2", "[WARNING] mine: warned 1"]
    again: list[str] = []
    call(box, {"n": 2}, lines=again)
    assert again[-1] == "[WARNING] mine: warned 2" and len(again) == 4


def test_events_results_and_output_larger_than_a_pipe_read_arrive_whole(sandboxes):
    """A pipe hands over at most 64 KiB a read: a 200 KB event, result and output each take several."""
    box = sandboxes("""
        import sys
        def handler(event, context):
            sys.stdout.write("o" * 150_000 + "\\n" + "é" * 50_000 + "\\n")
            return {"got": len(event["text"]), "back": event["text"][::-1] + "ü"}
    """)
    text = "".join(chr(ord("a") + i % 26) for i in range(200_000))
    lines: list[str] = []
    result = call(box, {"text": text}, lines=lines)
    assert result == {"got": 200_000, "back": text[::-1] + "ü"}
    assert lines == ["o" * 150_000, "é" * 50_000]
    assert call(box, {"text": "small"})["back"] == "llamsü"  # the next request starts clean


@pytest.mark.timeout(60)
def test_a_left_over_thread_does_not_keep_the_run_alive(sandboxes):
    box = sandboxes("""
        import threading, time
        def handler(event, context):
            threading.Thread(target=time.sleep, args=(3600,)).start()  # not a daemon
            return "returned"
    """)
    assert call(box) == "returned"
    started = time.monotonic()
    box.close()
    assert time.monotonic() - started < 10  # a bound, not a measurement


def test_an_environment_change_towards_real_aws_is_refused_before_the_next_invocation(sandboxes):
    box = sandboxes("""
        import os
        def handler(event, context):
            os.environ["AWS_ENDPOINT_URL"] = event["endpoint"]
            return "changed"
    """)
    assert call(box, {"endpoint": "https://s3.eu-west-2.amazonaws.com"}) == "changed"
    document = failure(box, {"endpoint": LOOPBACK})
    assert document["errorType"] == "Dorc.RealAWSRefused"
    assert document["errorMessage"] == ("AWS_ENDPOINT_URL=https://s3.eu-west-2.amazonaws.com is not a loopback "
                                        "address: a local run would send requests to it.")


@pytest.mark.parametrize("change", [
    'os.environ.pop("AWS_ENDPOINT_URL")',
    'os.environ.update(AWS_ENDPOINT_URL_S3="https://s3.eu-west-2.amazonaws.com")',
    'os.environb[b"AWS_ENDPOINT_URL"] = b"https://sqs.eu-west-2.amazonaws.com"',
    'os.environ = {**os.environ, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}',
], ids=["pop", "update", "environb", "replaced"])
def test_the_guard_notices_every_kind_of_change_and_refuses_until_the_process_ends(sandboxes, change):
    box = sandboxes(f"""
        import os
        def handler(event, context):
            if event.get("change"):
                {change}
            return "ran"
    """)
    assert call(box) == "ran" and call(box) == "ran"
    assert call(box, {"change": True}) == "ran"
    for _ in range(2):  # refused again: a refusal does not count as a check that passed
        assert failure(box)["errorType"] == "Dorc.RealAWSRefused"


def test_import_failures_are_reported_as_lambda_does(sandboxes):
    missing = sandboxes("import pandas_that_is_not_installed\ndef handler(event, context): return 1\n", "missing")
    document = failure(missing)
    assert document["errorType"] == "Runtime.ImportModuleError"
    assert document["errorMessage"] == (
        "Unable to import module 'lambda': No module named 'pandas_that_is_not_installed'")
    assert document["missingModule"] == "pandas_that_is_not_installed"
    assert failure(sandboxes("def other(event, context): return 1\n", "nohandler")) == {
        "errorType": "Runtime.HandlerNotFound", "errorMessage": "Handler 'handler' missing on module 'lambda'",
        "requestId": "", "stackTrace": []}
    assert failure(sandboxes("def handler(:\n", "syntax"))["errorType"] == "Runtime.UserCodeSyntaxError"
    raising = failure(sandboxes("raise RuntimeError('at import')\n", "raising"))
    assert (raising["errorType"], raising["errorMessage"]) == ("RuntimeError", "at import")


def test_a_sandbox_killed_from_outside_is_reported(sandboxes):
    box = sandboxes(COUNTER)
    pid = call(box)["pid"]
    os.kill(pid, signal.SIGKILL)
    assert failure(box)["errorMessage"] == "RequestId: req-1 Error: Runtime exited with error: signal: killed"
    assert call(box)["calls"] == 1


def test_the_worker_loop_is_standard_library_only():
    folder = Path(environments.__file__).parent / "worker"
    imported = set()
    for path in folder.glob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] == ["import"]:
                imported |= {w.strip(",").split(".")[0] for w in words[1:]}
            elif words[:1] == ["from"] and not words[1].startswith("."):
                imported.add(words[1].split(".")[0])
    import sys

    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported


def test_a_sandbox_that_cannot_start_names_the_fix(tmp_path):
    from dorc_runtime.errors import DorcError

    (tmp_path / "lambda.py").write_text("def handler(event, context):\n    return 1\n")
    box = FunctionSandboxes(SandboxSpec(tmp_path / "gone" / "python", tmp_path, ARN, {}), tmp_path)
    with pytest.raises(DorcError) as raised:
        call(box)
    assert str(raised.value).startswith(f"Could not start a sandbox with {tmp_path / 'gone' / 'python'}: ")
    assert raised.value.fix == "run 'invoke local-envs --clear', then run again to rebuild the environments"
