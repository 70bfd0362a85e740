"""Warm servers: moto's and each environment's fork server outlive a run (DORC_WARM_MINUTES), and
still every run gets what a fresh Lambda execution environment gets: each function's code imported
anew in a process of its own, nothing left from another run
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html: an execution
environment is created for a function, runs its Init phase, and is never shared with another
function). The holding store is the only thing a run hands to the next, as before."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dorc_runtime.errors import DorcError
from dorc_runtime.local import warm_servers
from dorc_runtime.local.sandbox import forks
from dorc_runtime.local.sandbox.sdk_use import SdkUse
from tests.runtime.local.conftest import ProjectBuilder
from tests.runtime.local.processes import alive, wait_until_ended

REPO = Path(__file__).resolve().parents[3]
BUCKET = "demo-local-holding-123456789012"

pytestmark = pytest.mark.slow

# a module-level counter (warm invocations of one sandbox share it), the process that forked the
# sandbox, and an object written through the embedded AWS
WHO = """
    import os
    import boto3

    COUNT = 0
    s3 = boto3.client("s3")

    def handler(event, context):
        global COUNT
        COUNT += 1
        s3.put_object(Bucket=os.environ["DORC_HOLDING_BUCKET"], Key=os.environ["DORC_FUNCTION"], Body=b"x")
        return {**event, os.environ["DORC_FUNCTION"]: {"count": COUNT, "pid": os.getpid(), "ppid": os.getppid(),
                                                        "version": VERSION}}
"""


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Warm servers on, in a private folder of this test's (short: a socket's path is limited to
    ~100 bytes); every server started in it is stopped at the end."""
    runtime = Path(tempfile.mkdtemp(prefix="dw"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv(warm_servers.IDLE_VARIABLE, "2")
    yield runtime / "dorc"
    warm_servers.stop_every(runtime / "dorc")
    wait_until_ended(set(warm_pids(runtime / "dorc")), 10)


def warm_pids(folder: Path) -> dict[int, str]:
    """The warm servers listening in ``folder``: pid -> kind ("aws" or "sandboxes")."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "--listen" in arguments and arguments[arguments.index("--listen") + 1].startswith(str(folder)) \
                and alive(int(entry.name)) and _parent(int(entry.name)) not in found:
            found[int(entry.name)] = "aws" if "--entry" in arguments else "sandboxes"
    return {pid: kind for pid, kind in found.items() if _parent(pid) not in found}


def _parent(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(text[text.rindex(")") + 2:].split()[1])


def invoke(root: Path, *args: str, **popen) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=root, env=env, text=True,
                          capture_output=True, timeout=180, **popen)


def write_who(project, version: int) -> None:
    source = textwrap.dedent(WHO).replace("COUNT = 0", f"COUNT = 0\nVERSION = {version}")
    functions = project.root / "src" / "raw" / "p" / "src"
    if functions.exists():  # an edit
        for name in ("one", "two"):
            (functions / name / "lambda.py").write_text(source)
        return
    project.pipeline("raw", "p", 'Function(name="one", next_function="two"), Function(name="two")',
                     {"one": source, "two": source})


def own_environments(warm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Move this test to an environments folder of its own, holding a copy of the environment the
    last run used: what the test deletes is then no other test's (the shared folder is every
    test's cache), and nothing is built again."""
    owner = next(Path(info["owner"]) for info in map(json.loads, (p.read_text() for p in warm.glob("*.json")))
                 if info.get("kind") == "sandboxes")
    envs = tmp_path / "envs"
    shutil.copytree(owner.parent, envs / owner.parent.name, symlinks=True)
    monkeypatch.setenv("DORC_ENVS_DIR", str(envs))
    return envs


def run_output(project, tmp_path: Path) -> dict:
    out = tmp_path / "out.json"
    done = invoke(project.root, "run", "p", "--output", str(out))
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())["output"]


@pytest.mark.timeout(240)
def test_runs_share_the_warm_servers_but_each_imports_the_code_anew(project, warm, tmp_path):
    write_who(project, 1)
    first = run_output(project, tmp_path)
    servers = warm_pids(warm)
    assert sorted(servers.values()) == ["aws", "sandboxes"]  # they outlive the run
    sandbox_server = next(pid for pid, kind in servers.items() if kind == "sandboxes")
    assert first["one"]["ppid"] == first["two"]["ppid"] == sandbox_server

    write_who(project, 2)  # an edit between runs
    second = run_output(project, tmp_path)
    assert warm_pids(warm) == servers  # the same servers served it
    for name in ("one", "two"):
        # a new sandbox, the edited code, module state from nothing
        assert second[name]["version"] == 2 and second[name]["count"] == 1
        assert second[name]["pid"] != first[name]["pid"]
    # what the handlers wrote went through the embedded AWS into the holding store, both times
    assert project.stored("one").read_bytes() == b"x" and project.stored("two").read_bytes() == b"x"


@pytest.mark.timeout(240)
def test_two_runs_at_once_start_one_server_of_each_kind(project, warm, tmp_path):
    # two projects (one holding store each) whose pipelines need the same environment
    other = ProjectBuilder(tmp_path / "other")
    for builder in (project, other):
        write_who(builder, 1)
    runs = [subprocess.Popen([sys.executable, "-m", "invoke", "run", "p"], cwd=root, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(REPO)}) for root in (project.root, other.root)]
    for run in runs:
        _, err = run.communicate(timeout=180)
        assert run.returncode == 0, err
    assert sorted(warm_pids(warm).values()) == ["aws", "sandboxes"]


KILLED = """
    import os, time
    import boto3

    def handler(event, context):
        boto3.client("s3").put_object(Bucket=os.environ["DORC_HOLDING_BUCKET"], Key="written", Body=b"kept")
        open(event["marker"], "w").write(str(os.getpid()))
        time.sleep(600)
"""


@pytest.mark.timeout(240)
def test_a_run_killed_outright_leaves_no_sandbox_and_keeps_what_it_wrote(project, warm, tmp_path):
    project.pipeline("raw", "p", 'Function(name="f", timeout_seconds=900)', {"f": textwrap.dedent(KILLED)})
    marker = tmp_path / "sandbox.pid"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, "PYTHONPATH": str(REPO)}
    run = subprocess.Popen([sys.executable, "-m", "invoke", "run", "p", "--event", json.dumps({"marker": str(marker)})],
                           cwd=project.root, env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "run.err").open("w"))
    deadline = time.monotonic() + 150
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), (tmp_path / "run.err").read_text()
    sandbox = int(marker.read_text())
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    # the warm server kills the dead run's sandbox; the embedded AWS saves when its stdin closes
    assert wait_until_ended({sandbox}, 15) == set()
    deadline = time.monotonic() + 30
    while not project.stored("written").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert project.stored("written").read_bytes() == b"kept"
    assert sorted(warm_pids(warm).values()) == ["aws", "sandboxes"]  # and they serve the next run


@pytest.mark.timeout(240)
def test_an_idle_server_ends_by_itself_and_a_dead_one_is_replaced(project, warm, tmp_path, monkeypatch):
    write_who(project, 1)
    monkeypatch.setenv(warm_servers.IDLE_VARIABLE, "0.02")  # 1.2 s
    run_output(project, tmp_path)
    servers = warm_pids(warm)
    assert len(servers) == 2
    assert wait_until_ended(set(servers), 30) == set()
    assert list(warm.glob("*.sock")) == []  # each removed its socket

    monkeypatch.setenv(warm_servers.IDLE_VARIABLE, "2")
    run_output(project, tmp_path)
    servers = warm_pids(warm)
    for pid in servers:
        os.kill(pid, signal.SIGKILL)  # its socket file stays behind
    assert wait_until_ended(set(servers), 10) == set()
    assert len(list(warm.glob("*.sock"))) == 2
    assert run_output(project, tmp_path)["two"]["count"] == 1
    assert len(warm_pids(warm)) == 2 and not set(warm_pids(warm)) & set(servers)


@pytest.mark.timeout(240)
def test_a_server_whose_environment_is_deleted_ends(project, warm, tmp_path, monkeypatch):
    write_who(project, 1)
    run_output(project, tmp_path)
    shared = {pid for pid, kind in warm_pids(warm).items() if kind == "sandboxes"}
    envs = own_environments(warm, tmp_path, monkeypatch)
    run_output(project, tmp_path)
    sandboxes = {pid for pid, kind in warm_pids(warm).items() if kind == "sandboxes"} - shared
    assert len(sandboxes) == 1
    shutil.rmtree(envs)  # what deleting a project (or its .dorc) does
    assert wait_until_ended(sandboxes, 30) == set()


@pytest.mark.timeout(240)
def test_local_envs_lists_and_clear_stops_them(project, warm, tmp_path, monkeypatch):
    write_who(project, 1)
    run_output(project, tmp_path)
    shared = set(warm_pids(warm))
    own_environments(warm, tmp_path, monkeypatch)  # --clear removes the environments folder
    run_output(project, tmp_path)
    servers = {pid: kind for pid, kind in warm_pids(warm).items() if pid not in shared or kind == "aws"}
    listed = invoke(project.root, "local-envs")
    assert listed.returncode == 0, listed.stderr
    assert "embedded AWS (moto)" in listed.stdout and "sandboxes" in listed.stdout
    assert "2 warm servers, each ending 2 minutes after its last run" in listed.stdout
    cleared = invoke(project.root, "local-envs", "--clear")
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.startswith("Stopped 2 warm servers;")
    assert wait_until_ended(set(servers), 10) == set()
    assert len(list(warm.glob("*.sock"))) == 1  # the server of the environment in the other folder


@pytest.mark.timeout(240)
def test_without_a_private_folder_each_run_has_its_own_servers(project, tmp_path, monkeypatch):
    runtime = Path(tempfile.mkdtemp(prefix="dw"))
    (runtime / "dorc").mkdir(mode=0o777)
    os.chmod(runtime / "dorc", 0o777)  # others could plant a socket there: never used
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv(warm_servers.IDLE_VARIABLE, "2")
    assert warm_servers.servers_dir() is None
    write_who(project, 1)
    assert run_output(project, tmp_path)["two"]["count"] == 1
    assert warm_pids(runtime / "dorc") == {} and list((runtime / "dorc").iterdir()) == []


@pytest.mark.parametrize("environ, seconds", [
    ({}, 900.0), ({"CI": "true"}, 0.0), ({"CI": "true", "DORC_WARM_MINUTES": "5"}, 300.0),
    ({"DORC_WARM_MINUTES": "0"}, 0.0), ({"DORC_WARM_MINUTES": " 1.5 "}, 90.0),
])
def test_the_setting(environ, seconds):
    assert warm_servers.idle_seconds(environ) == seconds


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_a_bad_setting_names_the_variable_and_the_fix(value):
    with pytest.raises(DorcError) as raised:
        warm_servers.idle_seconds({"DORC_WARM_MINUTES": value})
    assert raised.value.message == f"DORC_WARM_MINUTES={value!r} is not a number of minutes."
    assert raised.value.fix == "set DORC_WARM_MINUTES to the minutes an idle server lives (e.g. 15), or 0 for none"


def test_what_makes_another_environment_server(tmp_path):
    python = Path(sys.executable)
    base = forks.sandbox_identity(python, {"LANG": "C.UTF-8"}, SdkUse(True, ("s3",)))
    # the services a pipeline names are parsed on request: pipelines of one environment share it
    assert forks.sandbox_identity(python, {"LANG": "C.UTF-8"}, SdkUse(True, ("dynamodb",))) == base
    assert forks.sandbox_identity(python, {"LANG": "C.UTF-8"}, SdkUse(False)) != base
    assert forks.sandbox_identity(python, {"LANG": "de_DE.UTF-8"}, SdkUse(True)) != base
    # the same interpreter rebuilt, or dorc's server code changed
    assert base["installed"] > 0 and len(base["code"]) == 16


def test_a_run_with_a_bad_setting_says_so_in_one_line_and_runs_nothing(project, tmp_path, monkeypatch):
    write_who(project, 1)
    monkeypatch.setenv(warm_servers.IDLE_VARIABLE, "soon")
    done = invoke(project.root, "run", "p")
    assert done.returncode == 1
    assert done.stderr.strip() == ("Error: DORC_WARM_MINUTES='soon' is not a number of minutes. Fix: set "
                                   "DORC_WARM_MINUTES to the minutes an idle server lives (e.g. 15), or 0 for none")
    assert not project.stored("one").exists()


@pytest.mark.timeout(120)
def test_a_run_that_vanishes_mid_request_does_not_end_the_server(warm, tmp_path):
    """A run killed while the server's answer is unread resets its connection: the server, which
    other runs share, drops that run (and its sandbox) and goes on."""
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "lambda.py").write_text("import os\ndef handler(event, context):\n    return os.getppid()\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    python = Path(sys.executable)
    server = forks.ForkServer.launch(forks.sandbox_command(python), [json.dumps({"sdk": False, "services": []})],
                                     {}, logs, lambda: forks.sandbox_identity(python, {}, SdkUse(False)))
    assert server.process is None  # a warm one
    socket_path = next(warm.glob("*.sock"))
    for _ in range(3):
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as vanishing:
            vanishing.connect(str(socket_path))
            read, write = os.pipe()
            request = {"op": "start", "id": 0, "bound": True, "task_root": str(folder), "arn": "arn", "env": {}}
            socket.send_fds(vanishing, [json.dumps(request).encode()], [read, write, write, write])
            os.close(read)
            os.close(write)
            time.sleep(0.2)  # its "started" report arrives, unread
    try:
        reply_read, reply_write = os.pipe()
        log = os.open(logs / "f.log", os.O_WRONLY | os.O_CREAT, 0o600)
        process = server.start(folder, "arn", {}, log, reply_write)
        os.close(reply_write)
        os.close(log)
        with os.fdopen(reply_read, "rb") as replies:
            assert replies.readline() == b"ready\n"
        assert process.poll() is None and process.pid is not None
    finally:
        server.close()
