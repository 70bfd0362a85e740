"""Run a route's validators in a child process with a hard time limit.

Validators are the project's code, called on untrusted files: one may hang, call ``sys.exit`` or
``os._exit``, or exhaust memory. A thread cannot be stopped and shares the dispatcher's fate, so
they run in a child process (:mod:`.validator_worker`, the same interpreter and ``sys.path``) in
its own process group, killed whole when the route's ``validator_timeout_seconds`` runs out. Its
output goes to a file, never a pipe, so a grandchild holding it open cannot block the dispatcher;
the end of that output is kept in the report.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .archive import ExtractedFile
from .exceptions import Rejection
from .manifest import Manifest
from .routes import Route

OUTPUT_TAIL = 2_000
WORKER = "dorc_runtime.submissions.validator_worker"


def _tail(path: Path) -> str:
    with path.open("rb") as f:
        f.seek(max(0, f.seek(0, 2) - OUTPUT_TAIL))
        return f.read().decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def run_validators(route: Route, files: Sequence[ExtractedFile], manifest: Manifest, workdir: Path) -> None:
    """Return when every validator accepts every file it applies to; else raise the rule broken."""
    if not route.validators:
        return
    request, result, output = workdir / "validators.json", workdir / "validators-result.json", workdir / "validators.log"
    request.write_text(
        json.dumps(
            {
                "validators": [{"check": v.check, "files": v.files} for v in route.validators],
                "files": [{"name": f.name, "path": str(f.path), "size": f.size} for f in files],
                "manifest": manifest.as_json(),
            }
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    checks = [v.check for v in route.validators]
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", WORKER, str(request), str(result)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
            start_new_session=True,
        )
        try:
            code = process.wait(timeout=route.validator_timeout_seconds)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise Rejection(
                "route.validator_timeout",
                f"The validators of route {route.describe()} did not finish within {route.validator_timeout_seconds:g} s.",
                "make the validators faster, or raise validator_timeout_seconds on the route in routes.py",
                validators=checks,
                limit=route.validator_timeout_seconds,
                output=_tail(output),
            ) from None
    if not result.is_file():
        raise Rejection(
            "route.validator_exit",
            f"The validators of route {route.describe()} ended without a result (exit code {code}).",
            "validators reject by raising an exception; fix the validator that exits or crashes",
            validators=checks,
            exit_code=code,
            output=_tail(output),
        )
    outcome = json.loads(result.read_text(encoding="utf-8"))
    if outcome["status"] != "ok":
        raise Rejection(outcome["rule"], outcome["message"], outcome["fix"], **outcome["details"])
