"""The embedded AWS of a local run: moto's server in its own process on a free loopback port.

The server runs in another process (:mod:`.aws_server`) because importing moto costs ~0.6 s of CPU
and imports hold the GIL: only another process can do it while the run loads its handlers. The
port is bound here first, so handler modules that create clients at import time get the right
endpoint even before the server answers (their requests wait in the socket's queue).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from contextlib import suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import DorcError
from . import aws_server
from .aws_guard import DUMMY_KEY
from .aws_server import LOOPBACK, READY, SAVE_FAILED
from .sandbox.sdk_use import mentions_aws

if TYPE_CHECKING:
    from ..project import Project

SERVER_SCRIPT = Path(aws_server.__file__)
# Saving writes only what changed, so this is only reached by a server that is stuck.
SAVE_TIMEOUT_SECONDS = 120


def code_mentions_aws(project: Project) -> bool:
    """Does any function's own code (``src/<layer>/<pipeline>/src/<function>/*.py``) mention an
    AWS SDK?"""
    return mentions_aws(project.src.glob("*/*/src/*/*.py"))


class EmbeddedAWS:
    """moto's server in a child process (:mod:`.aws_server`) on a free loopback port.

    The port is bound here, at once, so the endpoint is known before any handler is imported; the
    child serves on that same socket. :meth:`start_now` starts the child immediately, so that moto
    loads on another core while the run loads its handlers; :meth:`start_on_first_request` waits
    until a request is queued on the socket, so a run that never calls AWS pays nothing.
    :meth:`stop` ends the child whatever happened, after it has saved the holding store.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((LOOPBACK, 0))
        self._socket.listen(128)
        self.port = int(self._socket.getsockname()[1])
        self.endpoint_url = f"http://{LOOPBACK}:{self.port}"
        self._lock = threading.Lock()  # the process and its configuration (the watcher thread may spawn)
        self._process: subprocess.Popen[bytes] | None = None
        self._config: bytes | None = None
        self._stderr: IO[bytes] | None = None  # the child's, read if it fails
        self._wake_read, self._wake_write = socket.socketpair()
        self._watcher: threading.Thread | None = None
        self._ready = False
        self._stopped = False

    def __enter__(self) -> EmbeddedAWS:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start_now(self) -> EmbeddedAWS:
        """Start the process now (once); it imports moto, then waits for :meth:`load`."""
        with self._lock:
            if self._process is None:
                self._spawn()
        return self

    def start_on_first_request(self) -> EmbeddedAWS:
        self._watcher = threading.Thread(target=self._spawn_on_request, name="embedded-aws", daemon=True)
        self._watcher.start()
        return self

    def load(self, store: Path, bucket: str, region: str) -> None:
        """What the server loads before it answers anything: the holding store (a
        :class:`.holding_store.HoldingStore` root) and the holding bucket. Saved back at :meth:`stop`."""
        with self._lock:
            self._config = json.dumps({"store": str(store), "bucket": bucket, "region": region}).encode() + b"\n"
            if self._process is not None:
                self._send_config()

    @property
    def spawned(self) -> bool:
        """Has the process been started (whether or not it answers yet)?"""
        with self._lock:
            return self._process is not None

    @property
    def started(self) -> bool:
        """Has the server loaded the holding store and begun to answer requests?"""
        if not self._ready and self._process is not None and self._process.stdout is not None:
            readable, _, _ = select.select([self._process.stdout], [], [], 0)
            self._ready = bool(readable) and self._process.stdout.readline().strip() == READY.encode()
        return self._ready

    def stop(self) -> bool:
        """End the server; True if it had served (and so has saved the holding store). Safe to call
        more than once; raises :class:`DorcError` if the server failed."""
        if self._stopped:
            return self._ready
        self._stopped = True
        self._wake_write.send(b"x")
        if self._watcher is not None:
            self._watcher.join()
        for sock in (self._socket, self._wake_read, self._wake_write):
            sock.close()
        with self._lock:
            process = self._process
        if process is None:
            return False
        assert process.stdin is not None and process.stdout is not None
        if self.started:
            with suppress(BrokenPipeError):
                process.stdin.close()  # "save and exit"; an interrupted wait below leaves it saving
        else:
            process.kill()  # it has answered nothing, so there is nothing to save
        try:
            process.wait(timeout=SAVE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise DorcError(f"The embedded AWS did not save the holding store within {SAVE_TIMEOUT_SECONDS} s.",
                            "run again; if it keeps happening, 'invoke local-reset' starts from an empty store") from None
        finally:
            with suppress(BrokenPipeError):
                process.stdin.close()
            process.stdout.close()
        assert self._stderr is not None  # there is a process
        with self._stderr:
            if process.returncode == SAVE_FAILED:
                failure = json.loads(self._last_error_line())
                raise DorcError(failure["message"], failure["fix"])
            if process.returncode not in (0, -signal.SIGKILL):
                raise DorcError(f"The embedded AWS (moto's server) failed: {self._last_error_line()}",
                                "check that moto[server] is installed where dorc runs ('pip install \"moto[server]\"')")
        return self._ready

    def _spawn_on_request(self) -> None:
        readable, _, _ = select.select([self._socket, self._wake_read], [], [])
        if self._wake_read in readable:
            return  # stopped before anything asked for AWS
        with self._lock:
            if not self._stopped:
                self._spawn()

    def _spawn(self) -> None:
        # the child gets no real credentials or endpoints: it never calls AWS, and it should not be able to
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        environment.update(AWS_ACCESS_KEY_ID=DUMMY_KEY, AWS_SECRET_ACCESS_KEY=DUMMY_KEY)
        fd = self._socket.fileno()
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), str(fd)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, pass_fds=(fd,), env=environment,
        )
        # the child owns the socket now: if it dies, clients are refused at once instead of waiting
        self._socket.close()
        if self._config is not None:
            self._send_config()

    def _send_config(self) -> None:
        assert self._process is not None and self._process.stdin is not None
        with suppress(BrokenPipeError):  # it has died: stop() reports why
            self._process.stdin.write(self._config or b"")
            self._process.stdin.flush()

    def _last_error_line(self) -> str:
        assert self._stderr is not None
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "it exited without saying why"
