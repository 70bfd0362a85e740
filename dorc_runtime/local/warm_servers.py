"""Fork servers kept warm between runs: what a run would otherwise import before its first
invocation (moto for the embedded AWS, ~0.9 s of CPU; boto3 and the services' models for an
environment's sandboxes, ~0.7 s) is imported once and then forked, run after run, as an edit-run
loop needs and as LocalStack keeps its container up.

A warm server is a fork server (``sandbox/worker/forkserver.py``) listening on a Unix socket of
its own, found by a hash of everything that decides what it holds (its interpreter and that
interpreter's installation, dorc's own server code, what it prepared, the variables it started
with). Anything that changes gets a new server; the old one ends when it has been idle for the
setting's minutes. It never imports a handler or holds a run's data: each run's embedded AWS and
sandboxes are fresh forked children, and a run's sandboxes die when the run ends, however it ends.

The setting, resolved here only: ``DORC_WARM_MINUTES`` (how long an idle server lives; ``0``
starts servers per run, as before). Default 15 minutes, and 0 when ``CI`` is set (a CI job should
leave nothing running). Sockets live in a folder only this user can enter
(``$XDG_RUNTIME_DIR/dorc`` or ``<tmp>/dorc-<uid>``); if that folder is not safe, runs use
per-run servers instead.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DorcError

IDLE_VARIABLE = "DORC_WARM_MINUTES"
DEFAULT_IDLE_MINUTES = 15.0
LAUNCH_TIMEOUT_SECONDS = 30.0
LOCK_FILE = "start.lock"  # one for the folder: a start holds it for the ~0.05 s the socket takes to listen
_CONNECT_TIMEOUT_SECONDS = 5.0


def idle_seconds(environ: Mapping[str, str] | None = None) -> float:
    """How long a warm server outlives its last run; 0 means per-run servers."""
    environ = os.environ if environ is None else environ
    raw = environ.get(IDLE_VARIABLE, "").strip()
    if not raw:
        return 0.0 if environ.get("CI") else DEFAULT_IDLE_MINUTES * 60
    try:
        minutes = float(raw)
    except ValueError:
        minutes = -1.0
    if not minutes >= 0:  # also refuses nan
        raise DorcError(f"{IDLE_VARIABLE}={raw!r} is not a number of minutes.",
                        f"set {IDLE_VARIABLE} to the minutes an idle server lives (e.g. 15), or 0 for none")
    return minutes * 60


def servers_dir() -> Path | None:
    """This user's private folder for warm servers' sockets, or None if it cannot be made safe."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "dorc" if runtime else Path(tempfile.gettempdir()) / f"dorc-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(base)
    except OSError:
        return None
    # another user could have made it first (in a shared /tmp): never use a folder not ours alone
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return base


def code_hash(files: list[Path]) -> str:
    """What identifies dorc's server code: a changed file means a new server."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class WarmServer:
    """A warm server's files: its socket, its log and what it was started for."""

    socket_path: Path
    log_path: Path
    info_path: Path

    @classmethod
    def named(cls, folder: Path, identity: Mapping[str, Any]) -> WarmServer:
        name = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]
        return cls(folder / f"{name}.sock", folder / f"{name}.log", folder / f"{name}.json")

    @classmethod
    def of_info(cls, info_path: Path) -> WarmServer:
        """The server whose start ``info_path`` records (its files share one name)."""
        return cls(info_path.with_suffix(".sock"), info_path.with_suffix(".log"), info_path)

    def connect(self) -> socket.socket:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        connection.settimeout(_CONNECT_TIMEOUT_SECONDS)
        try:
            connection.connect(str(self.socket_path))
        except BaseException:
            connection.close()
            raise
        connection.settimeout(None)
        return connection

    def info(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.info_path.read_text()))
        except (OSError, ValueError):
            return {}

    def stop(self) -> bool:
        """Ask the server to end (it kills the sandboxes it still has); False if none was running."""
        try:
            connection = self.connect()
        except OSError:
            self.forget()
            return False
        with connection:
            connection.send(json.dumps({"op": "shutdown"}).encode())
            connection.settimeout(_CONNECT_TIMEOUT_SECONDS)
            try:
                connection.recv(1)  # the server closes the connection as it ends
            except OSError:
                pass
        self.forget()
        return True

    def forget(self) -> None:
        for path in (self.socket_path, self.info_path, self.log_path):
            path.unlink(missing_ok=True)


def connect(identity: Mapping[str, Any], command: list[str], arguments: list[str],
            environment: Mapping[str, str], idle: float) -> tuple[socket.socket, Path] | None:
    """A connection to the warm server for ``identity`` (and its log), started if none answers:
    ``command + ["--listen", socket, "--idle", seconds] + arguments``. None when no safe folder
    exists or the server could not be started (the caller then starts a per-run server, which
    reports any real problem)."""
    folder = servers_dir()
    if folder is None:
        return None
    server = WarmServer.named(folder, identity)
    with open(folder / LOCK_FILE, "w") as lock:  # two runs start one server, not two
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return server.connect(), server.log_path
        except OSError:
            server.socket_path.unlink(missing_ok=True)  # a server that ended without removing it
        with open(server.log_path, "wb") as log:
            try:
                launched = subprocess.run(
                    [*command, "--listen", str(server.socket_path), "--idle", repr(idle), *arguments],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, cwd="/", env=dict(environment),
                    timeout=LAUNCH_TIMEOUT_SECONDS, check=False)
            except (OSError, subprocess.TimeoutExpired):
                return None
        if launched.returncode != 0:
            return None
        server.info_path.write_text(json.dumps({**identity, "started": time.time()}, sort_keys=True))
        try:
            return server.connect(), server.log_path
        except OSError:
            return None


def running(owners: list[str]) -> Iterator[tuple[WarmServer, dict[str, Any]]]:
    """This user's warm servers (answering or not) whose owner is one of ``owners``."""
    folder = servers_dir()
    if folder is None:
        return
    for info_path in sorted(folder.glob("*.json")):
        server = WarmServer.of_info(info_path)
        info = server.info()
        if any(str(info.get("owner", "")).startswith(owner) for owner in owners):
            yield server, info


def answers(server: WarmServer) -> bool:
    try:
        server.connect().close()
    except OSError:
        return False
    return True


def stop_every(folder: Path) -> int:
    """Stop every warm server listening in ``folder`` (a private one a test or benchmark made)."""
    return sum(WarmServer.of_info(info).stop() for info in sorted(folder.glob("*.json")))
