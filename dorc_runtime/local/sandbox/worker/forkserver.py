"""A fork server for one environment: run by path with the environment's interpreter
(``python -I -u forkserver.py <control socket fd> <warm-up JSON>``), it imports once what every
sandbox of the environment imports and then forks one sandbox per request. What it prepares is
the warm-up's (``{"sdk": bool, "services": [...]}``, read by the run from the functions' source):

* always the worker loop;
* when the functions mention the AWS SDK and the environment has it: boto3/botocore's modules, and
  one botocore data loader holding the parsed files a client of the named services reads (service
  model, endpoint rules, partitions). Every botocore session a sandbox makes gets that loader
  instead of a new one, so a sandbox's first client costs ~0.05 s of CPU instead of ~0.3 s. Nothing
  else: no session, no client, no credentials, nothing read from the environment or ``~/.aws``.

A child sets up what a freshly started worker sets up (environment variables built from nothing,
stdin/stdout/stderr, then the loop's own set-up: cwd, ``sys.path``, the handler's import) and runs
the same loop, so a sandbox costs a fork instead of an interpreter start and boto3's import.

It stays single-threaded (forking a process with threads is unsafe) and never runs user code.

Protocol on the control socket (``SOCK_SEQPACKET``, one JSON message each):

* run -> server: ``{"op": "start", "id": n, "task_root", "arn", "env"}`` with three descriptors
  (the sandbox's stdin, its log, its reply pipe), or ``{"op": "kill", "pid": p}``;
* server -> run: ``{"started": n, "pid": p}``, ``{"failed": n}`` (fork failed, reason in the log) and
  ``{"exited": p, "returncode": r}`` (negative: killed by that signal, as ``subprocess``).

The run closing its end (it ended, however) makes the server kill its sandboxes and exit.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

PRE_IMPORTS = ("boto3", "botocore.session", "botocore.client")  # what a handler's AWS client needs
# what every client reads, whatever its service (botocore's own file names)
COMMON_DATA = ("endpoints", "partitions", "sdk-default-configuration")
SERVICE_DATA = ("service-2", "endpoint-rule-set-1")
_MESSAGE_SIZE = 1 << 20


def _load_loop() -> ModuleType:
    """The worker loop, loaded by path under a private name (nothing of dorc on ``sys.path``)."""
    path = Path(__file__).with_name("loop.py")
    spec = importlib.util.spec_from_file_location("_dorc_sandbox_loop", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _pre_import() -> bool:
    """Import the SDK's modules; False if this environment lacks them (its sandboxes then import
    whatever they import themselves)."""
    try:
        for name in PRE_IMPORTS:
            importlib.import_module(name)
    except ImportError:
        return False
    return True


class _SearchPaths(list):  # type: ignore[type-arg]
    """A shared loader's search path. boto3 appends its own data folder to the loader of each
    session it makes; a loader of its own per session holds it once, and so does this one."""

    def append(self, path: object) -> None:
        if path not in self:
            super().append(path)


def _share_botocore_loader(services: list[str]) -> None:
    """Give every default botocore session one loader, with the files of ``services`` parsed.

    botocore makes a loader per session (``botocore.session.create_loader``), and a loader caches
    what it parsed for its own session only. The files are read-only data (botocore itself hands
    the same parsed model to every client of a session), so sharing the loader changes what a
    sandbox costs, not what its clients do. A session given its own data path (``AWS_DATA_PATH``)
    still gets a loader of its own. Hand-written because botocore has no hook for this.
    """
    # the environment's own packages, imported by name: this file is standard library only
    boto3 = importlib.import_module("boto3")
    botocore_session = importlib.import_module("botocore.session")
    original = botocore_session.create_loader
    shared = original()
    shared._search_paths = _SearchPaths(shared.search_paths)
    # what boto3.Session does to every session's loader, before anything is loaded through it
    shared.search_paths.append(os.path.join(os.path.dirname(boto3.__file__), "data"))

    def create_loader(search_path_string: str | None = None) -> Any:
        return shared if search_path_string is None else original(search_path_string)

    botocore_session.create_loader = create_loader
    for name in COMMON_DATA:
        try:
            shared.load_data(name)
        except Exception:  # noqa: BLE001 - an older botocore lacks a file: its clients load what they need
            pass
    for service in services:
        for kind in SERVICE_DATA:
            try:
                shared.load_service_model(service, kind)
            except Exception:  # noqa: BLE001 - not a service this botocore knows: the handler's call says so
                pass


def warm_up(spec: dict[str, Any]) -> None:
    """Prepare what the sandboxes will share (see the module docstring); never fails a sandbox."""
    if not spec.get("sdk") or not _pre_import():
        return
    try:
        _share_botocore_loader(list(spec.get("services", ())))
    except Exception as exc:  # noqa: BLE001 - a botocore too different: each session makes its own loader
        sys.stderr.write(f"dorc: botocore's data is not shared between sandboxes: {exc!r}\n")


def _send(control: socket.socket, message: dict[str, Any]) -> None:
    try:
        control.send(json.dumps(message).encode())
    except OSError:
        pass  # the run has gone: the next read sees it and ends the server


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def serve(control: socket.socket) -> tuple[str, int, str] | None:
    """Answer requests until the run goes (None) or, in a forked child, return what the child runs."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wake-up fd is written
    signal.set_wakeup_fd(wake_write)
    children: set[int] = set()
    while True:
        ready = select.select([control, wake_read], [], [])[0]
        if wake_read in ready:
            os.read(wake_read, 4096)
            while children:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                children.discard(pid)
                _send(control, {"exited": pid, "returncode": _returncode(status)})
        if control not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(control, _MESSAGE_SIZE, 3)
        if not data:  # the run has ended
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            for pid in children:  # reaped here, so their CPU time counts in the run's, as a worker's did
                os.waitpid(pid, 0)
            return None
        request = json.loads(data)
        if request["op"] == "kill":
            if request["pid"] in children:  # not reaped yet, so the pid is still that sandbox's
                os.kill(request["pid"], signal.SIGKILL)
            continue
        stdin_fd, log_fd, reply_fd = fds
        try:
            pid = os.fork()
        except OSError as exc:
            os.write(log_fd, f"dorc: could not fork a sandbox: {exc}\n".encode())
            _send(control, {"failed": request["id"]})
        else:
            if pid == 0:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                for fd in (wake_read, wake_write):
                    os.close(fd)
                control.close()
                os.dup2(stdin_fd, 0)
                os.dup2(log_fd, 1)
                os.dup2(log_fd, 2)
                # the variables are built from nothing, as a fresh worker's (os.environ also sets the C level)
                os.environ.clear()
                os.environ.update(request["env"])
                time.tzset()
                os.close(stdin_fd)
                os.close(log_fd)
                return request["task_root"], reply_fd, request["arn"]
            children.add(pid)
            _send(control, {"started": request["id"], "pid": pid})
        for fd in fds:
            os.close(fd)


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the run, which ends the server
    loop = _load_loop()
    warm_up(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {"sdk": True, "services": []})
    child = serve(control)
    if child is None:
        # its sandboxes are reaped and it holds nothing to save: skip tearing down the modules
        # (boto3's take ~0.1 s), which the run's end would wait for
        sys.stderr.flush()
        os._exit(0)
    task_root, reply_fd, arn = child
    sys.argv = [loop.__file__, task_root, str(reply_fd), arn]
    loop.main()


if __name__ == "__main__":
    main()
