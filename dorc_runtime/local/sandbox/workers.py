"""The run's side of a function's sandboxes: worker processes forked in the function's own
environment (by its fork server, see :mod:`.forks`), reused while warm, one per concurrent
invocation, killed when the run ends.

What Lambda reports when a sandbox misbehaves is built here, from what the process did:
an exit (``sys.exit``, ``os._exit``, a crash) is ``Runtime.ExitError``, an overrun kills the
process and is ``Sandbox.Timedout``. Lambda then starts a fresh sandbox for the next invocation,
and so does the pool. See https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
and https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import forks
from .sdk_use import UNKNOWN, SdkUse
from .worker import loop

EXIT_ERROR = "Runtime.ExitError"
TIMED_OUT = "Sandbox.Timedout"
REFUSED = "Dorc.RealAWSRefused"
FIX_FIELD = "dorcFix"  # dorc's own field in a refusal's document: the fix line
# Lambda starts an execution environment per concurrent invocation (up to the account's
# concurrency); locally a function's invocations beyond this many wait for a free sandbox, so a
# 10,000-item Map cannot start 10,000 processes.
MAX_SANDBOXES_PER_FUNCTION = 16
# How long a sandbox may take to start and import its handler (the Init phase, which the function's
# timeout does not count). Lambda allows 10 s and then retries the Init within the invocation
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html); a loaded machine
# building several sandboxes at once can be slower than that, so the local bound is looser.
INIT_TIMEOUT_SECONDS = 60.0
# The sandbox ends an invocation this long after the function's timeout. A Task's TimeoutSeconds
# (dorc's ASL sets the function's timeout) started earlier, so on AWS and here the Task fails with
# States.Timeout first; this deadline is the backstop that ends a worker the interpreter stopped
# waiting for (a Map or Parallel thread), and the timeout of a direct invocation.
KILL_GRACE_SECONDS = 0.5
_READ_SIZE = 1 << 16


@dataclass(frozen=True)
class SandboxSpec:
    """What a function's sandbox starts from: its environment's interpreter, its folder, its ARN
    and the complete set of environment variables its process gets (nothing is inherited), and
    what its fork server prepares ahead (read from the pipeline's code)."""

    python: Path
    task_root: Path
    function_arn: str
    environment: Mapping[str, str]
    sdk: SdkUse = UNKNOWN


class LambdaFailure(Exception):
    """A failed invocation, carrying Lambda's error document; the interpreter reports that
    document as the Task's error and cause (see ``interpreter.lambda_invoke.error_document``)."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(document.get("errorMessage", ""))
        self.lambda_error_document = document

    @property
    def error_type(self) -> str:
        return str(self.lambda_error_document.get("errorType", ""))


def _document(error_type: str, message: str, request_id: str = "") -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": []}


def exit_reason(returncode: int) -> str:
    """How Lambda words a runtime process's end (Go's wording of the wait status)."""
    if returncode == 0:
        return "Runtime exited without providing a reason"
    if returncode < 0:
        name = signal.strsignal(-returncode) or f"signal {-returncode}"
        return f"Runtime exited with error: signal: {name.lower()}"
    return f"Runtime exited with error: exit status {returncode}"


class _Timeout(Exception):
    pass


class Worker:
    """One sandbox process and the pipes to it."""

    def __init__(self, spec: SandboxSpec, log_dir: Path, server: forks.ForkServer) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{uuid.uuid4().hex}.log"
        reply_read, reply_write = os.pipe()
        log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            self.process = server.start(spec.task_root, spec.function_arn, spec.environment, log_fd, reply_write)
        except BaseException:
            os.close(reply_read)
            raise
        finally:
            os.close(reply_write)
            os.close(log_fd)
        self._replies = reply_read
        self._replies_ready = select.poll()  # registered once: an invocation then costs one poll call
        self._replies_ready.register(reply_read, select.POLLIN)
        self._pending = b""
        # raw descriptors, not buffered files: an invocation is then one write, one poll and one read
        assert self.process.stdin is not None
        self._requests = self.process.stdin.fileno()
        self._log = os.open(self.log_path, os.O_RDONLY)  # read as the worker writes, closed by close()
        self._started = False
        self._init_failure: LambdaFailure | None = None
        self._closed = False
        self.alive = True

    def invoke(self, request_id: str, event_json: str, timeout_seconds: float) -> tuple[bool, str]:
        """``(True, result JSON)`` or ``(False, error document JSON)``; the process's own end or an
        overrun raise :class:`LambdaFailure`. Any other interruption (the interpreter's own
        timeout, Ctrl-C) kills the process before it goes on."""
        self.wait_ready()
        if self._init_failure is not None:
            raise self._init_failure
        deadline = time.monotonic() + timeout_seconds + KILL_GRACE_SECONDS
        try:
            remaining_ms = max(0, int(timeout_seconds * 1000))
            self._send(f"{request_id}{loop.SEPARATOR}{remaining_ms}{loop.SEPARATOR}{event_json}\n".encode())
            line = self._line(deadline)
        except _Timeout:
            self.kill()
            raise LambdaFailure(_document(
                TIMED_OUT, f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds",
                request_id)) from None
        except LambdaFailure:
            raise
        except BaseException:
            self.kill()
            raise
        if line is None:
            raise LambdaFailure(self._exit_document(request_id))
        kind, _, rest = line.decode().partition(loop.SEPARATOR)
        if kind == loop.OK:
            return True, rest
        if kind == loop.REFUSED:
            message, _, fix = rest.partition(loop.SEPARATOR)
            raise LambdaFailure({**_document(REFUSED, message, request_id), FIX_FIELD: fix})
        return False, rest

    def wait_ready(self) -> None:
        """Wait for the Init phase (interpreter start, handler import); a failure is kept for the
        first invocation, which reports it as Lambda does."""
        if self._started:
            return
        self._started = True
        try:
            line = self._line(time.monotonic() + INIT_TIMEOUT_SECONDS)
        except _Timeout:
            self.kill()
            self._init_failure = LambdaFailure(_document(
                TIMED_OUT, f"Error: the Init phase timed out after {INIT_TIMEOUT_SECONDS:.2f} seconds"))
            return
        except BaseException:
            self.kill()
            raise
        if line is None:
            self._init_failure = LambdaFailure(self._exit_document(""))
            return
        kind, _, rest = line.decode().partition(loop.SEPARATOR)
        if kind != loop.READY:
            self.kill()  # Lambda resets a sandbox whose init failed; the next call starts afresh
            self._init_failure = LambdaFailure(json.loads(rest))

    def _send(self, data: bytes) -> None:
        try:
            written = os.write(self._requests, data)  # whole, unless a signal interrupts it
            while written < len(data):
                written += os.write(self._requests, memoryview(data)[written:])
        except OSError:
            pass  # it has ended: reading its reply finds the end and reports its exit status

    def _line(self, deadline: float) -> bytes | None:
        """The next reply line, or None once the process has ended."""
        pending = self._pending  # what followed the previous line (as a rule nothing)
        end = pending.find(b"\n")
        if end >= 0:
            self._pending = pending[end + 1:]
            return pending[:end]
        chunks = [pending] if pending else []
        while True:
            wait = deadline - time.monotonic()
            # poll takes whole milliseconds: round up, so that a wait never ends before the deadline
            if wait <= 0 or not self._replies_ready.poll(math.ceil(wait * 1000)):
                self._pending = b"".join(chunks)
                raise _Timeout()
            chunk = os.read(self._replies, _READ_SIZE)
            if not chunk:
                self._pending = b"".join(chunks)
                return None
            end = chunk.find(b"\n")  # only the new chunk: the earlier ones held no newline
            if end < 0:
                chunks.append(chunk)
                continue
            if chunks:  # a reply longer than one read
                end += sum(map(len, chunks))
                chunk = b"".join((*chunks, chunk))
            self._pending = chunk[end + 1:]
            return chunk[:end]

    def _exit_document(self, request_id: str) -> dict[str, Any]:
        self.alive = False
        try:
            returncode = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # it closed its reply pipe but lives on: end it
            self.kill()
            returncode = self.process.returncode
        return _document(EXIT_ERROR, f"RequestId: {request_id} Error: {exit_reason(returncode)}", request_id)

    def output(self) -> list[str]:
        """What the process wrote since the last call (a left-over thread's output included)."""
        data = os.read(self._log, _READ_SIZE)
        if not data:  # as a rule: a function that printed nothing costs one read
            return []
        chunks = [data]
        while data:
            data = os.read(self._log, _READ_SIZE)
            chunks.append(data)
        return b"".join(chunks).decode("utf-8", errors="replace").splitlines()

    def kill(self) -> None:
        self.stop()
        self.process.wait()

    def stop(self) -> None:
        """Kill the process without waiting for it to end (a run's sandboxes end together)."""
        self.alive = False
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.kill()
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        os.close(self._replies)
        os.close(self._log)
        self.log_path.unlink(missing_ok=True)


class FunctionSandboxes:
    """A function's warm sandboxes: an idle one is reused, a concurrent invocation gets one of its
    own (as Lambda scales out), one that ended or overran is replaced."""

    def __init__(self, spec: SandboxSpec, log_dir: Path) -> None:
        self.spec = spec
        self.log_dir = log_dir
        self._idle: list[Worker] = []
        self._all: list[Worker] = []
        # a plain lock (its ``with`` is C code: an invocation takes it twice); the condition and
        # the count of waiters only matter when all of a function's sandboxes are busy
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._waiting = 0
        self._server: forks.ForkServer | None = None  # the run's server for this environment, once used
        self.closed = False

    def prestart(self) -> None:
        """Start one sandbox now: its interpreter and handler import overlap the rest of the run's
        start-up."""
        with self._lock:
            if not self._all:
                self._idle.append(self._new())

    def _new(self) -> Worker:
        if self._server is None:
            self._server = forks.acquire(self.spec.python, self.spec.environment, self.log_dir, self.spec.sdk)
        worker = Worker(self.spec, self.log_dir, self._server)
        self._all.append(worker)
        return worker

    def wait_ready(self) -> None:
        """Let the started sandboxes finish their Init phase (before a run's clock starts)."""
        with self._lock:
            idle = list(self._idle)
        for worker in idle:
            worker.wait_ready()

    def _take(self) -> Worker:
        with self._lock:
            while not self._idle and len(self._all) >= MAX_SANDBOXES_PER_FUNCTION and not self.closed:
                self._waiting += 1
                try:
                    self._freed.wait()
                finally:
                    self._waiting -= 1
            if self.closed:
                raise RuntimeError("the run has ended; its sandboxes are closed")
            return self._idle.pop() if self._idle else self._new()

    def _give_back(self, worker: Worker) -> None:
        with self._lock:
            if self._waiting:
                self._freed.notify()
            if worker.alive and not self.closed:
                self._idle.append(worker)
                return
            if worker in self._all:
                self._all.remove(worker)
        worker.close()

    def invoke(self, request_id: str, event_json: str, timeout_seconds: float, lines: list[str]) -> tuple[bool, str]:
        """Run one invocation in an idle sandbox (or a new one); what it printed is added to
        ``lines`` however it ends."""
        worker = self._take()
        try:
            return worker.invoke(request_id, event_json, timeout_seconds)
        finally:
            lines += worker.output()
            self._give_back(worker)

    def stop(self) -> None:
        """Kill every sandbox without waiting; :meth:`close` then waits for them."""
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            worker.stop()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            workers, self._all, self._idle = self._all, [], []
            server, self._server = self._server, None
            self._freed.notify_all()
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.close()
        if server is not None:
            forks.release(server, self.spec.environment, self.log_dir, self.spec.sdk)
