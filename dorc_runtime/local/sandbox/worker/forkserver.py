"""A fork server: run by path, it imports once what its children share and then forks one child
per request. Two kinds:

* an environment's sandboxes (``python -I -u forkserver.py <control> <warm-up JSON>``, the
  environment's interpreter). What it prepares is the warm-up's (``{"sdk": bool, "services": [...]}``,
  read by the run from the functions' source): always the worker loop; when the functions mention
  the AWS SDK and the environment has it, boto3/botocore's modules and one botocore data loader
  holding the parsed files a client of the named services reads (service model, endpoint rules,
  partitions). Every botocore session a sandbox makes gets that loader instead of a new one, so a
  sandbox's first client costs ~0.05 s of CPU instead of ~0.3 s. Nothing else: no session, no
  client, no credentials, nothing read from the environment or ``~/.aws``. A start request may name
  more services, parsed before that fork. The child sets up what a freshly started worker sets up
  (then the loop's own set-up: cwd, ``sys.path``, the handler's import) and runs the same loop.
* another kind of child given as ``--entry FILE`` (the embedded AWS, ``local/aws_server.py``):
  the server calls ``prepare()`` of that file once, and ``child(request, kept_fds)`` in each child.

It stays single-threaded (forking a process with threads is unsafe) and never runs user code.

``<control>`` is ``--fd N``, one end of a socket pair whose other end is the run's (a server of
the run's own, which ends when that run closes its end, killing its children), or
``--listen PATH --idle SECONDS``: a warm server (``local/warm_servers.py``) that binds PATH, detaches
(the starting process exits once the socket listens), serves any number of runs, and ends after
SECONDS with no run connected and nothing running, or when asked to.

Protocol on a connection (``SOCK_SEQPACKET``, one JSON message each):

* run -> server: ``{"op": "start", "id": n, "bound": bool, "env": {...}, ...}`` with descriptors
  (the first three become the child's stdin, stdout and stderr; the rest it keeps: a sandbox's
  reply pipe, the embedded AWS's listening socket; a sandbox's request also has ``task_root``,
  ``arn`` and ``services``), ``{"op": "kill", "pid": p}`` or ``{"op": "shutdown"}``;
* server -> run: ``{"started": n, "pid": p}``, ``{"failed": n}`` (fork failed, reason in the child's
  stderr) and ``{"exited": p, "returncode": r}`` (negative: killed by that signal, as ``subprocess``).

A run closing its connection (it ended, however) makes the server kill that run's ``bound``
children (sandboxes); the others (an embedded AWS saving the holding store) end by themselves.
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
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

# what a handler's AWS client needs, and what its first request imports (urllib3 IDNA-encodes the host)
PRE_IMPORTS = ("boto3", "botocore.session", "botocore.client", "encodings.idna")
# what every client reads, whatever its service (botocore's own file names)
COMMON_DATA = ("endpoints", "partitions", "sdk-default-configuration")
SERVICE_DATA = ("service-2", "endpoint-rule-set-1")
# what boto3 imports when a client of that service is made (its injected methods), ~0.02 s of CPU
SERVICE_MODULES = {"s3": ("boto3.s3.inject", "boto3.s3.transfer")}
_MESSAGE_SIZE = 1 << 20
_STALE_CHECK_SECONDS = 5.0  # how often an idle warm server checks that it is still of use


def _load_by_path(path: Path, name: str) -> ModuleType:
    """Load a module from its file under a private name (nothing of dorc on ``sys.path``)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _load_loop() -> ModuleType:
    """The worker loop."""
    return _load_by_path(Path(__file__).with_name("loop.py"), "_dorc_sandbox_loop")


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


_shared_loader: Any = None  # the loader every default botocore session gets, once warmed up
_parsed_services: set[str] = set()


def _share_botocore_loader() -> None:
    """Give every default botocore session one loader, with the files every client reads parsed.

    botocore makes a loader per session (``botocore.session.create_loader``), and a loader caches
    what it parsed for its own session only. The files are read-only data (botocore itself hands
    the same parsed model to every client of a session), so sharing the loader changes what a
    sandbox costs, not what its clients do. A session given its own data path (``AWS_DATA_PATH``)
    still gets a loader of its own. Hand-written because botocore has no hook for this.
    """
    global _shared_loader
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
    _shared_loader = shared


def parse_services(services: list[str]) -> None:
    """Parse the models of ``services`` into the shared loader and import boto3's modules for them
    (once each), before a fork: a warm server learns each pipeline's services from its sandboxes'
    requests."""
    if _shared_loader is None:
        return
    for service in services:
        if service in _parsed_services:
            continue
        _parsed_services.add(service)
        for name in SERVICE_MODULES.get(service, ()):
            try:
                importlib.import_module(name)
            except ImportError:  # a boto3 without it: its client imports what it has
                pass
        for kind in SERVICE_DATA:
            try:
                _shared_loader.load_service_model(service, kind)
            except Exception:  # noqa: BLE001 - not a service this botocore knows: the handler's call says so
                pass


def warm_up(spec: dict[str, Any]) -> None:
    """Prepare what the sandboxes will share (see the module docstring); never fails a sandbox."""
    if not spec.get("sdk") or not _pre_import():
        return
    try:
        _share_botocore_loader()
        parse_services(list(spec.get("services", ())))
    except Exception as exc:  # noqa: BLE001 - a botocore too different: each session makes its own loader
        sys.stderr.write(f"dorc: botocore's data is not shared between sandboxes: {exc!r}\n")


def _send(connection: socket.socket, message: dict[str, Any]) -> None:
    try:
        connection.send(json.dumps(message).encode())
    except OSError:
        pass  # that run has gone: the next read sees it


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


class _Child:
    """A forked process and the run that asked for it."""

    def __init__(self, connection: socket.socket, bound: bool) -> None:
        self.connection = connection
        self.bound = bound  # killed when that run goes (a sandbox); else left to end itself (the AWS saving)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def serve(listener: socket.socket | None, control: socket.socket | None, idle_seconds: float,
          stale: Callable[[], bool] = lambda: False) -> tuple[dict[str, Any], list[int]] | None:
    """Answer requests until the server should end (None) or, in a forked child, return the request
    and the descriptors it keeps (after the first three, which became its stdin, stdout and stderr).

    A private server (``control``: the run's end of a socket pair) ends when that run goes; a warm
    one (``listener``) accepts any number of runs and ends after ``idle_seconds`` with no run
    connected and no process of its own, when asked to, or, while idle, as soon as it is
    ``stale`` (its interpreter deleted, its socket gone)."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wake-up fd is written
    signal.set_wakeup_fd(wake_write)
    connections: list[socket.socket] = [control] if control is not None else []
    children: dict[int, _Child] = {}
    idle_since = time.monotonic()

    def drop(connection: socket.socket) -> None:
        connections.remove(connection)
        for pid, child in children.items():
            if child.connection is connection and child.bound:
                _kill(pid)
        connection.close()

    while True:
        waiting = [wake_read, *connections, *([listener] if listener is not None else [])]
        timeout = None
        if listener is not None and not connections and not children:
            left = idle_since + idle_seconds - time.monotonic()
            if left <= 0 or stale():
                return None
            timeout = min(left, _STALE_CHECK_SECONDS)
        ready = select.select(waiting, [], [], timeout)[0]
        if wake_read in ready:
            os.read(wake_read, 4096)
            while children:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                child = children.pop(pid, None)
                if child is not None and child.connection in connections:
                    _send(child.connection, {"exited": pid, "returncode": _returncode(status)})
        if listener is not None and listener in ready:
            try:
                connection, _ = listener.accept()
            except OSError:  # it gave up before we got to it
                pass
            else:
                connections.append(connection)
        for connection in [c for c in connections if c in ready]:
            try:
                data, fds, _, _ = socket.recv_fds(connection, _MESSAGE_SIZE, 8)
            except OSError:  # reset: the run died with a report of ours unread
                data, fds = b"", []
            if not data:  # that run has ended
                drop(connection)
                if listener is None:  # a private server ends with its run
                    bound = [pid for pid, child in children.items() if child.bound]
                    for pid in bound:  # reaped here, so their CPU time counts in the run's, as a worker's did
                        try:
                            os.waitpid(pid, 0)
                        except ChildProcessError:
                            pass
                    return None
                if not connections and not children:
                    idle_since = time.monotonic()
                continue
            request = json.loads(data)
            if request["op"] == "shutdown":
                for pid, child in children.items():
                    if child.bound:
                        _kill(pid)
                return None
            if request["op"] == "kill":
                child = children.get(request["pid"])
                if child is not None and child.connection is connection:  # not reaped: still that process
                    _kill(request["pid"])
                continue
            if request.get("services"):
                parse_services(request["services"])
            try:
                pid = os.fork()
            except OSError as exc:
                os.write(fds[2], f"dorc: could not fork: {exc}\n".encode())
                _send(connection, {"failed": request["id"]})
            else:
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    for fd in (wake_read, wake_write):
                        os.close(fd)
                    for other in [*connections, *([listener] if listener is not None else [])]:
                        other.close()
                    for target, fd in enumerate(fds[:3]):
                        os.dup2(fd, target)
                    for fd in set(fds[:3]) - set(fds[3:]):
                        if fd > 2:
                            os.close(fd)
                    # the variables are built from nothing, as a fresh process's (os.environ also sets the C level)
                    os.environ.clear()
                    os.environ.update(request["env"])
                    time.tzset()
                    return request, list(fds[3:])
                children[pid] = _Child(connection, bool(request.get("bound", True)))
                _send(connection, {"started": request["id"], "pid": pid})
            for fd in fds:
                os.close(fd)


def _listen(path: str) -> tuple[socket.socket, int]:
    """Bind the warm server's socket (and note its file's inode), then leave the process that
    started us (which waits for this) for a detached grandchild, so that no run is its parent."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(64)
    inode = os.stat(path).st_ino
    if os.fork() != 0:
        os._exit(0)
    os.setsid()
    return listener, inode


def _load_entry(path: str) -> ModuleType:
    """A server's own kind of child (the embedded AWS), loaded by path with its folder first on
    ``sys.path`` for its own siblings (it takes the folder off again itself)."""
    sys.path.insert(0, str(Path(path).parent))
    return _load_by_path(Path(path), "_dorc_server_entry")


def main() -> None:
    """``forkserver.py (--fd N | --listen PATH --idle SECONDS) (--entry FILE | <warm-up JSON>)``"""
    arguments = sys.argv[1:]
    listener = control = None
    idle_seconds, inode = 0.0, 0
    if arguments[0] == "--fd":
        control = socket.socket(fileno=int(arguments[1]))
        arguments = arguments[2:]
    else:
        listener, inode = _listen(arguments[1])
        idle_seconds = float(arguments[3])
        arguments = arguments[4:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the run, which ends the server
    entry = _load_entry(arguments[1]) if arguments[0] == "--entry" else None
    loop = _load_loop() if entry is None else None
    if entry is not None:
        entry.prepare()
    else:
        warm_up(json.loads(arguments[0]) if arguments else {"sdk": True, "services": []})
    socket_path = listener.getsockname() if listener is not None else ""
    child = serve(listener, control, idle_seconds,
                  stale=lambda: not os.path.exists(sys.executable) or not _is_ours(socket_path, inode))
    if child is None:
        if listener is not None and _is_ours(socket_path, inode):
            os.unlink(socket_path)
        # its sandboxes are reaped and it holds nothing to save: skip tearing down the modules
        # (boto3's take ~0.1 s), which the run's end would wait for
        sys.stderr.flush()
        os._exit(0)
    request, kept = child
    if entry is not None:
        entry.child(request, kept)
        return
    assert loop is not None
    sys.argv = [loop.__file__, request["task_root"], str(kept[0]), request["arn"]]
    loop.main()


def _is_ours(path: str, inode: int) -> bool:
    """Is the socket's file still the one this server bound (not removed, nor bound anew by another)?"""
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


if __name__ == "__main__":
    main()
