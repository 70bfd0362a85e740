"""The run's side of the fork servers (``worker/forkserver.py``): one process per environment
interpreter, which imports boto3 once (when the code mentions it) and forks each sandbox, so a
sandbox's start costs a fork rather than an interpreter start and boto3's import (≈ 0.5 s CPU
each), and its first client does not parse the service's model again (≈ 0.2 s CPU each). The
embedded AWS is forked the same way, from a server that has imported moto (``embedded_aws``).

A child is then the server's, not the run's: :class:`ForkedProcess` gives the worker the part of
``subprocess.Popen`` it uses (``stdin``, ``stdout``, ``pid``, ``poll``, ``wait``, ``kill``,
``returncode``), the server reporting exits and killing on request (it alone knows whether a pid
is still its unreaped child, so a kill never reaches a reused pid).

:meth:`ForkServer.launch` connects to the warm server of that identity (``..warm_servers``: kept
between runs) or, with warm servers off, starts one of the run's own. Within a run, a connection is
shared by the functions that use the same interpreter (and locale, and warm-up), counted by
:func:`acquire`/:func:`release`: the last function's sandboxes to close leave the server, which
kills that run's sandboxes (a server of the run's own then ends). A run killed outright closes its
connection too, with the same effect.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from ...errors import DorcError
from .. import warm_servers
from .sdk_use import SdkUse
from .worker import forkserver

SERVER_SCRIPT = Path(forkserver.__file__)
SERVER_CODE = sorted(SERVER_SCRIPT.parent.glob("*.py"))  # the server and what its sandboxes run
# the variables the interpreter reads as it starts (its locale): a server starts with these from
# the functions' environment, nothing else, so what it pre-imports cannot depend on any function
LOCALE_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE")
START_FIX = "run 'invoke local-envs --clear', then run again to rebuild the environments"


def start_error(python: Path, reason: object) -> DorcError:
    return DorcError(f"Could not start a sandbox with {python}: {reason}", START_FIX)


class ForkedProcess:
    """A process forked by a server, seen from the run."""

    def __init__(self, server: ForkServer, stdin: IO[bytes] | None, stdout: IO[bytes] | None = None) -> None:
        self._server = server
        self.stdin = stdin
        self.stdout = stdout
        self.pid: int | None = None
        self.returncode: int | None = None
        self._started = threading.Event()
        self._ended = threading.Event()

    def _began(self, pid: int) -> None:
        self.pid = pid
        self._started.set()

    def _end(self, returncode: int) -> None:
        if self.returncode is None:
            self.returncode = returncode
        self._started.set()
        self._ended.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(str(SERVER_SCRIPT), timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        self._started.wait()  # the server answers a start at once (or ends, which ends this too)
        if not self._ended.is_set() and self.pid is not None:
            self._server.send({"op": "kill", "pid": self.pid})


class ForkServer:
    """A connection to a server process (its own, or a warm one shared with other runs) and the
    thread that reads its reports."""

    def __init__(self, python: Path, control: socket.socket, log_path: Path,
                 process: subprocess.Popen[bytes] | None) -> None:
        self.python = python
        self.services: tuple[str, ...] = ()  # what each sandbox's start asks the server to have parsed
        self.log_path = log_path
        self.process = process  # None for a warm server, which is no run's child
        self._control = control
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._starting: dict[int, ForkedProcess] = {}
        self._running: dict[int, ForkedProcess] = {}
        self._gone = False
        self._closing = False
        self._reader = threading.Thread(target=self._read, name="dorc-forkserver-reports", daemon=True)
        self._reader.start()

    @classmethod
    def launch(cls, command: list[str], arguments: list[str], environment: Mapping[str, str],
               log_dir: Path, identity: Callable[[], Mapping[str, Any]]) -> ForkServer:
        """The warm server of that ``identity`` when warm servers are on, else a server of this
        run's own: ``command + (--fd N | --listen …) + arguments``."""
        python = Path(command[0])
        idle = warm_servers.idle_seconds()
        if idle > 0:
            found = warm_servers.connect(identity(), command, arguments, environment, idle)
            if found is not None:
                return cls(python, found[0], found[1], None)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        log_path = log_dir / f"forkserver-{uuid.uuid4().hex}.log"
        with open(log_path, "ab") as log:
            try:
                process = subprocess.Popen(
                    [*command, "--fd", str(theirs.fileno()), *arguments],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                    pass_fds=(theirs.fileno(),), cwd="/", env=dict(environment),
                )
            except OSError as exc:
                ours.close()
                raise start_error(python, exc) from None
            finally:
                theirs.close()
        return cls(python, ours, log_path, process)

    def send(self, message: dict[str, Any], fds: tuple[int, ...] = ()) -> bool:
        try:
            with self._send_lock:
                socket.send_fds(self._control, [json.dumps(message).encode()], list(fds))
        except OSError:
            return False  # the server has ended: its reader ends what it had started
        return True

    def spawn(self, fields: Mapping[str, Any], fds: tuple[int, ...], bound: bool = True,
              stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> ForkedProcess:
        """Ask for a child; the first three of ``fds`` become its stdin, stdout and stderr, the rest
        it keeps. A ``bound`` child is killed when this run goes; another ends by itself. It is forked
        as soon as the server has its imports (no waiting here)."""
        process = ForkedProcess(self, stdin, stdout)
        with self._lock:
            ident = next(self._ids)
            gone = self._gone
            if not gone:
                self._starting[ident] = process
        if gone or not self.send({"op": "start", "id": ident, "bound": bound, **fields}, fds):
            raise start_error(self.python, f"its server ended ({self._tail()})")
        return process

    def start(self, task_root: Path, function_arn: str, environment: Mapping[str, str],
              log_fd: int, reply_fd: int) -> ForkedProcess:
        """Ask for a sandbox (stdin a pipe from the run, stdout and stderr its log)."""
        stdin_read, stdin_write = os.pipe()
        try:
            return self.spawn({"task_root": str(task_root), "arn": function_arn, "env": dict(environment),
                               "services": list(self.services)},
                              (stdin_read, log_fd, log_fd, reply_fd), stdin=os.fdopen(stdin_write, "wb"))
        except BaseException:
            os.close(stdin_write)
            raise
        finally:
            os.close(stdin_read)

    def failure(self) -> str | None:
        """Why the server ended before this run left it (its last log line), or None."""
        with self._lock:
            gone = self._gone
        return self._tail() if gone and not self._closing else None

    def _tail(self) -> str:
        lines = self.log_path.read_text(errors="replace").strip().splitlines() if self.log_path.exists() else []
        if lines:
            return lines[-1]
        return f"exit status {self.process.poll()}" if self.process is not None else "no reason given"

    def _read(self) -> None:
        while True:
            try:
                data = self._control.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            report = json.loads(data)
            with self._lock:
                if "started" in report:
                    process = self._starting.pop(report["started"])
                    self._running[report["pid"]] = process
                    process._began(report["pid"])
                elif "failed" in report:
                    self._starting.pop(report["failed"])._end(1)
                elif (ended := self._running.pop(report["exited"], None)) is not None:
                    ended._end(report["returncode"])
        with self._lock:
            self._gone = True
            left = [*self._starting.values(), *self._running.values()]
            self._starting.clear()
            self._running.clear()
        for process in left:  # the server ended: its sandboxes end with it (or by their watchdog)
            process._end(-9)

    def close(self) -> None:
        """Leave the server, which kills this run's bound children (a server of the run's own ends)."""
        self._closing = True
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._reader.join()
        self._control.close()
        if self.process is None:
            return
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_path.unlink(missing_ok=True)


def sandbox_command(python: Path) -> list[str]:
    return [str(python), "-I", "-u", str(SERVER_SCRIPT)]


def sandbox_identity(python: Path, locale: Mapping[str, str], sdk: SdkUse) -> dict[str, Any]:
    """What decides what an environment's warm server holds: a change to any of it starts another."""
    venv = python.parent.parent
    try:
        installed = (venv / "pyvenv.cfg").stat().st_mtime_ns
    except OSError:  # not a venv: the interpreter itself
        installed = python.stat().st_mtime_ns if python.exists() else 0
    return {"kind": "sandboxes", "owner": str(venv), "python": str(python), "installed": installed,
            "locale": dict(locale), "sdk": sdk.sdk, "code": warm_servers.code_hash(SERVER_CODE)}


_Key = tuple[Path, tuple[tuple[str, str], ...], Path, SdkUse]
_servers: dict[_Key, tuple[ForkServer, int]] = {}
_servers_lock = threading.Lock()


def _key(python: Path, environment: Mapping[str, str], log_dir: Path, sdk: SdkUse) -> _Key:
    return python, tuple((name, environment[name]) for name in LOCALE_VARIABLES if name in environment), log_dir, sdk


def acquire(python: Path, environment: Mapping[str, str], log_dir: Path, sdk: SdkUse) -> ForkServer:
    """The run's server for this interpreter (a run's sandboxes share a log folder), started if
    none is; each acquire is matched by a :func:`release`."""
    key = _key(python, environment, log_dir, sdk)
    with _servers_lock:
        server, users = _servers.get(key) or (None, 0)
        if server is None:
            locale = dict(key[1])
            server = ForkServer.launch(sandbox_command(python), [json.dumps(sdk.as_json())], locale, log_dir,
                                       lambda: sandbox_identity(python, locale, sdk))
            server.services = sdk.services
        _servers[key] = (server, users + 1)
        return server


def release(server: ForkServer, environment: Mapping[str, str], log_dir: Path, sdk: SdkUse) -> None:
    key = _key(server.python, environment, log_dir, sdk)
    with _servers_lock:
        _, users = _servers[key]
        if users > 1:
            _servers[key] = (server, users - 1)
            return
        del _servers[key]
    server.close()
