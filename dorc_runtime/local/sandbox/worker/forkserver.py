"""A fork server for one environment: run by path with the environment's interpreter
(``python -I -u forkserver.py <control socket fd>``), it imports once what every sandbox of the
environment imports (the worker loop, and boto3/botocore when the environment has them: modules
only, no session, no client, nothing read from the environment) and then forks one sandbox per
request. A child sets up what a freshly started worker sets up (environment variables built from
nothing, stdin/stdout/stderr, then the loop's own set-up: cwd, ``sys.path``, the handler's import)
and runs the same loop, so a sandbox costs a fork instead of an interpreter start and boto3's import.

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


def _pre_import() -> None:
    for name in PRE_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # this environment lacks it: its sandboxes import whatever they import themselves


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
    _pre_import()
    child = serve(control)
    if child is None:
        return
    task_root, reply_fd, arn = child
    sys.argv = [loop.__file__, task_root, str(reply_fd), arn]
    loop.main()


if __name__ == "__main__":
    main()
