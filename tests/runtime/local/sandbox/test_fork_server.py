"""Sandboxes are forked from one server per environment and run, which pre-imports boto3 and is
otherwise nothing a handler can see: each sandbox still gets what a fresh Lambda execution
environment gets (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html:
the Init phase imports the function's code in an environment of its own, with the variables
Lambda sets, https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dorc_runtime.local.sandbox import environments, forks
from dorc_runtime.local.sandbox.workers import FunctionSandboxes, SandboxSpec
from tests.runtime.local.processes import alive, wait_until_ended

ARN = "arn:aws:lambda:eu-west-2:123456789012:function:demo-local-raw-p-f"
REPO = Path(__file__).resolve().parents[4]

WHO_AM_I = """
    import os, sys
    BOTO3_BEFORE_MY_IMPORT = "boto3" in sys.modules
    import boto3
    def handler(event, context):
        client = boto3.client("s3")
        return {"pid": os.getpid(), "ppid": os.getppid(), "env": dict(os.environ),
                "endpoint": client.meta.endpoint_url, "region": client.meta.region_name,
                "boto3_pre_imported": BOTO3_BEFORE_MY_IMPORT}
"""


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    return environments.ensure(environments.EnvironmentRequest("tests/bare", root, "3.12", ()), notify=lambda _: None)


def make_box(environment, folder: Path, logs: Path, variables: dict[str, str], source: str = WHO_AM_I) -> FunctionSandboxes:
    folder.mkdir()
    (folder / "lambda.py").write_text(textwrap.dedent(source))
    return FunctionSandboxes(SandboxSpec(environment.python, folder, ARN, variables), logs)


def call(box: FunctionSandboxes) -> dict:
    ok, payload = box.invoke("req-1", "{}", 30, [])
    assert ok, payload
    return json.loads(payload)


def threads_of(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


@pytest.mark.timeout(180)
def test_each_sandbox_is_forked_from_one_server_and_its_client_reads_its_own_variables(environment, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    first_env = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "eu-west-2",
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    second_env = {**first_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:10", "AWS_DEFAULT_REGION": "ap-south-1"}
    first = make_box(environment, tmp_path / "first", logs, first_env)
    second = make_box(environment, tmp_path / "second", logs, second_env)
    try:
        one, two = call(first), call(second)
        # one server for the environment: both sandboxes are its children, not this process's
        assert one["ppid"] == two["ppid"] != os.getpid()
        server = one["ppid"]
        assert Path(f"/proc/{server}/cmdline").read_bytes().split(b"\0")[:4] == [
            str(environment.python).encode(), b"-I", b"-u", str(forks.SERVER_SCRIPT).encode()]
        assert threads_of(server) == 1  # forking a process that has threads is unsafe
        assert one["boto3_pre_imported"] is True and two["boto3_pre_imported"] is True
        # the variables are exactly the function's; botocore reads them when the client is made
        assert one["env"] == first_env and two["env"] == second_env
        assert (one["endpoint"], one["region"]) == ("http://127.0.0.1:9", "eu-west-2")
        assert (two["endpoint"], two["region"]) == ("http://127.0.0.1:10", "ap-south-1")
        assert one["pid"] != two["pid"]
    finally:
        first.close()
        assert alive(server)  # the second function still uses it
        second.close()
    assert wait_until_ended({one["pid"], two["pid"], server}, 10) == set()


def test_an_environment_without_boto3_still_forks_its_sandboxes(tmp_path):
    """A bare venv has no boto3: the server skips it."""
    logs = tmp_path / "logs"
    logs.mkdir()
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "lambda.py").write_text("import os, sys\ndef handler(event, context):\n"
                                      "    return {'boto3': 'boto3' in sys.modules, 'ppid': os.getppid()}\n")
    subprocess.run([Path(sys.base_prefix) / "bin" / "python3", "-m", "venv", "--without-pip", tmp_path / "venv"],
                   check=True, timeout=60)
    python = tmp_path / "venv" / "bin" / "python"
    variables = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    box = FunctionSandboxes(SandboxSpec(python, folder, ARN, variables), logs)
    try:
        seen = call(box)
    finally:
        box.close()
    assert seen["boto3"] is False and seen["ppid"] != os.getpid()


RUN_THEN_WAIT = """
import json, sys, threading
from pathlib import Path
from dorc_runtime.local.sandbox.workers import FunctionSandboxes, SandboxSpec
python, folder, logs = map(Path, sys.argv[1:4])
ENV = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
idle = FunctionSandboxes(SandboxSpec(python, folder / "idle", "arn", ENV), logs)
busy = FunctionSandboxes(SandboxSpec(python, folder / "busy", "arn", ENV), logs)
first = json.loads(idle.invoke("r", "{}", 600, [])[1])
threading.Thread(target=busy.invoke, args=("r", "{}", 600, []), daemon=True).start()
print(json.dumps(first), flush=True)
threading.Event().wait()
"""


@pytest.mark.timeout(180)
def test_a_killed_run_leaves_neither_server_nor_sandbox(environment, tmp_path):
    for name, body in (("idle", "return {'pid': os.getpid(), 'ppid': os.getppid()}"),
                       ("busy", "open(os.environ['MARK'], 'w').close() if 'MARK' in os.environ else None\n"
                                "    time.sleep(600)")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "lambda.py").write_text(f"import os, time\ndef handler(event, context):\n    {body}\n")
    (tmp_path / "logs").mkdir()
    run = subprocess.Popen([sys.executable, "-c", RUN_THEN_WAIT, str(environment.python), str(tmp_path),
                            str(tmp_path / "logs")], stdout=subprocess.PIPE, cwd=REPO, text=True)
    try:
        first = json.loads(run.stdout.readline())
        server = first["ppid"]
        deadline = time.monotonic() + 60
        while len(children := {p for p in _children(server) if alive(p)}) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the busy sandbox is being forked
        assert first["pid"] in children and len(children) == 2
    finally:
        run.send_signal(signal.SIGKILL)  # no clean-up at all in the run
        run.communicate(timeout=60)
    left = wait_until_ended({server, *children}, 10)
    assert left == set(), {pid: _describe(pid) for pid in left} | {"server": server, "sandboxes": children}


def _describe(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("\n")[2] + " " + \
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200] + \
            " wchan=" + Path(f"/proc/{pid}/wchan").read_text()
    except OSError as exc:
        return repr(exc)


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2:].split()[1]) == pid:
                found.add(int(entry.name))
    return found


SHARED_DATA = """
    import os, sys
    BOTO3_BEFORE_MY_IMPORT = "boto3" in sys.modules
    S3_EXTRAS_BEFORE = "boto3.s3.inject" in sys.modules
    import boto3, botocore.session
    def handler(event, context):
        first = botocore.session.get_session()
        loader = first.get_component("data_loader")
        parsed_before_any_client = ("load_service_model", "s3", "service-2") in loader._cache
        client = boto3.client("s3")
        boto3.Session(); boto3.Session()
        os.environ["AWS_DATA_PATH"] = "/nowhere"
        own = botocore.session.get_session().get_component("data_loader")
        del os.environ["AWS_DATA_PATH"]
        return {"boto3_pre_imported": BOTO3_BEFORE_MY_IMPORT, "parsed": parsed_before_any_client,
                "s3_extras_pre_imported": S3_EXTRAS_BEFORE,
                "shared": botocore.session.get_session().get_component("data_loader") is loader,
                "own_with_data_path": own is not loader,
                "boto3_data_paths": sum(p.endswith(os.path.join("boto3", "data")) for p in loader.search_paths),
                "endpoint": client.meta.endpoint_url, "region": client.meta.region_name,
                "operations": len(client.meta.service_model.operation_names)}
"""


@pytest.mark.timeout(180)
def test_sandboxes_of_code_naming_s3_share_its_parsed_model_and_still_read_their_own_variables(environment, tmp_path):
    """The service model is parsed once by the server; each client still takes its endpoint and
    region from its sandbox's variables, and a session with its own data path its own loader."""
    from dorc_runtime.local.sandbox.sdk_use import SdkUse

    logs = tmp_path / "logs"
    logs.mkdir()
    variables = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "eu-west-2",
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "lambda.py").write_text(textwrap.dedent(SHARED_DATA))
    box = FunctionSandboxes(SandboxSpec(environment.python, tmp_path / "f", ARN, variables, SdkUse(True, ("s3",))), logs)
    try:
        seen = call(box)
    finally:
        box.close()
    assert seen["boto3_pre_imported"] and seen["parsed"] and seen["shared"] and seen["own_with_data_path"]
    assert seen["s3_extras_pre_imported"]  # what boto3 imports for an S3 client's injected methods
    assert seen["boto3_data_paths"] == 1  # as in a session of its own, however many boto3 sessions were made
    assert (seen["endpoint"], seen["region"]) == ("http://127.0.0.1:9", "eu-west-2")
    assert seen["operations"] > 90  # the whole S3 API, extras merged


def test_code_that_never_mentions_the_sdk_gets_no_boto3_imported_ahead(environment, tmp_path):
    """Lambda imports only what the function imports; the server adds boto3 only for code that uses it."""
    from dorc_runtime.local.sandbox.sdk_use import SdkUse

    logs = tmp_path / "logs"
    logs.mkdir()
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "lambda.py").write_text("import os, sys\ndef handler(event, context):\n"
                                              "    return {'boto3': 'boto3' in sys.modules, 'ppid': os.getppid()}\n")
    box = FunctionSandboxes(SandboxSpec(environment.python, tmp_path / "f", ARN, {"PATH": "/usr/bin:/bin",
                            "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, SdkUse(False)), logs)
    try:
        seen = call(box)
    finally:
        box.close()
    assert seen["boto3"] is False and seen["ppid"] != os.getpid()
