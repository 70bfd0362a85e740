"""The embedded AWS of a local run: moto's server in its own process on a free loopback port.

The server runs in another process (:mod:`.aws_server`) because importing moto costs ~0.6 s of CPU
and imports hold the GIL: only another process can do it while the run loads its handlers. The
port is bound here first, so handler modules that create clients at import time get the right
endpoint even before the server answers (their requests wait in the socket's queue). That process
is forked by a fork server that has imported moto (:func:`aws_server_process`), warm between runs
unless ``DORC_WARM_MINUTES`` is 0 (:mod:`.warm_servers`).
"""

from __future__ import annotations

import importlib.util
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
from . import aws_server, holding_store, warm_servers
from .aws_guard import DUMMY_KEY
from .aws_server import LOOPBACK, READY, SAVE_FAILED
from .sandbox import forks
from .sandbox.sdk_use import mentions_aws

if TYPE_CHECKING:
    from ..project import Project

SERVER_SCRIPT = Path(aws_server.__file__)
# moto's own settings variables (moto/settings.py): the only ones the embedded AWS is started with
MOTO_VARIABLES = ("TEST_SERVER_MODE", "TEST_PROXY_MODE", "INITIAL_NO_AUTH_ACTION_COUNT", "DEFAULT_CONTAINER_REGISTRY",
                  "S3_IGNORE_SUBDOMAIN_BUCKETNAME", "S3_UPLOAD_PART_MIN_SIZE", "SF_EXECUTION_HISTORY_TYPE",
                  "TESTS_SKIP_REQUIRES_DOCKER", "TEST_SERVER_MODE_ENDPOINT", "TEST_PROXY_MODE_ENDPOINT")
# what finds moto (a tooling install through PYTHONPATH) and reads text as the run does
CARRIED_VARIABLES = ("PYTHONPATH", *forks.LOCALE_VARIABLES)
MOTO_FIX = "check that moto[server] is installed where dorc runs ('pip install \"moto[server]\"')"
# Saving writes only what changed, so this is only reached by a server that is stuck.
SAVE_TIMEOUT_SECONDS = 120


def server_environment() -> dict[str, str]:
    """The embedded AWS's variables: moto's settings and what finds and starts Python, and dummy
    credentials. No real credential or endpoint: it never calls AWS, and it should not be able to.
    Nothing else, so that a warm server (its identity holds them) serves runs from any shell."""
    environment = {name: value for name, value in os.environ.items()
                   if name.startswith("MOTO_") or name in MOTO_VARIABLES or name in CARRIED_VARIABLES}
    environment.update(AWS_ACCESS_KEY_ID=DUMMY_KEY, AWS_SECRET_ACCESS_KEY=DUMMY_KEY)
    return environment


def aws_server_process() -> forks.ForkServer:
    """The fork server whose children are embedded AWSes: moto imported once (warm between runs
    when warm servers are on, see :mod:`.warm_servers`)."""
    environment = server_environment()

    def identity() -> dict[str, object]:
        moto = importlib.util.find_spec("moto")
        installed = Path(moto.origin).stat().st_mtime_ns if moto is not None and moto.origin else 0
        code = warm_servers.code_hash([forks.SERVER_SCRIPT, SERVER_SCRIPT, Path(holding_store.__file__)])
        return {"kind": "aws", "owner": sys.executable, "python": sys.executable, "installed": installed,
                "environment": environment, "code": code}

    return forks.ForkServer.launch([sys.executable, "-u", str(forks.SERVER_SCRIPT)], ["--entry", str(SERVER_SCRIPT)],
                                   environment, Path(tempfile.gettempdir()), identity)


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
        warm_servers.idle_seconds()  # a bad DORC_WARM_MINUTES is refused now, before anything starts
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((LOOPBACK, 0))
        self._socket.listen(128)
        self.port = int(self._socket.getsockname()[1])
        self.endpoint_url = f"http://{LOOPBACK}:{self.port}"
        self._lock = threading.Lock()  # the process and its configuration (the watcher thread may spawn)
        self._server: forks.ForkServer | None = None
        self._process: forks.ForkedProcess | None = None
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
        assert self._server is not None and self._stderr is not None  # there is a process
        server_failure = self._server.failure()
        self._server.close()
        if server_failure is not None:  # it could not even import moto
            self._stderr.close()
            raise DorcError(f"The embedded AWS (moto's server) failed: {server_failure}", MOTO_FIX)
        with self._stderr:
            if process.returncode == SAVE_FAILED:
                failure = json.loads(self._last_error_line())
                raise DorcError(failure["message"], failure["fix"])
            if process.returncode not in (0, -signal.SIGKILL):
                raise DorcError(f"The embedded AWS (moto's server) failed: {self._last_error_line()}", MOTO_FIX)
        return self._ready

    def _spawn_on_request(self) -> None:
        readable, _, _ = select.select([self._socket, self._wake_read], [], [])
        if self._wake_read in readable:
            return  # stopped before anything asked for AWS
        with self._lock:
            if not self._stopped:
                self._spawn()

    def _spawn(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self._server = aws_server_process()
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        try:
            # not bound to this run: if the run dies, the server still saves when its stdin closes
            self._process = self._server.spawn(
                {"env": server_environment()},
                (stdin_read, stdout_write, self._stderr.fileno(), self._socket.fileno()), bound=False,
                stdin=os.fdopen(stdin_write, "wb"), stdout=os.fdopen(stdout_read, "rb"))
        except BaseException:
            self._server.close()
            self._server = None
            raise
        finally:
            os.close(stdin_read)
            os.close(stdout_write)
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
