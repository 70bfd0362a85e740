"""The child process that runs a route's validators: ``python -m ... REQUEST RESULT``.

It reads the request the dispatcher wrote (validators, files, manifest), calls each validator on
each file its pattern finds, and writes one result: ``{"status": "ok"}`` or the rule broken. A
validator that raises rejects the submission (``route.validator``); one that cannot be imported
is ``route.validator_import``; one that calls ``sys.exit`` is ``route.validator_exit``. Hangs,
``os._exit`` and crashes leave no result, which the parent reports (:mod:`.validator_runner`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from .manifest import Manifest
from .routes import SubmittedFile, resolve_callable

MAX_ERROR = 1_000


def _failure(rule: str, message: str, fix: str, **details: Any) -> dict[str, Any]:
    return {"status": "rejected", "rule": rule, "message": message, "fix": fix, "details": details}


def run(request: dict[str, Any]) -> dict[str, Any]:
    manifest = Manifest.model_validate(request["manifest"])
    for validator in request["validators"]:
        check_path, pattern = validator["check"], validator["files"]
        try:
            check = resolve_callable(check_path)
        except Exception as exc:
            return _failure(
                "route.validator_import",
                f"Validator {check_path!r} cannot be imported ({type(exc).__name__}: {str(exc)[:MAX_ERROR]}).",
                "fix the route's validators in routes.py and resubmit",
                validator=check_path,
            )
        for f in request["files"]:
            if not re.search(pattern, f["name"]):
                continue
            try:
                check(SubmittedFile(name=f["name"], path=Path(f["path"]), size=f["size"], manifest=manifest))
            except SystemExit as exc:
                return _failure(
                    "route.validator_exit",
                    f"Validator {check_path} called sys.exit({exc.code!r}) on {f['name'][:200]!r}.",
                    "validators reject by raising an exception; fix the validator",
                    validator=check_path,
                    file=f["name"],
                )
            except Exception as exc:
                error = f"{type(exc).__name__}: {str(exc)[:MAX_ERROR]}"
                return _failure(
                    "route.validator",
                    f"{f['name'][:200]} failed validator {check_path}: {str(exc)[:MAX_ERROR]}",
                    "fix the file and resubmit",
                    validator=check_path,
                    file=f["name"],
                    error=error,
                )
    return {"status": "ok"}


def main(argv: list[str]) -> int:
    request_path, result_path = Path(argv[0]), Path(argv[1])
    result = run(json.loads(request_path.read_text(encoding="utf-8")))
    partial = result_path.with_suffix(".partial")
    partial.write_text(json.dumps(result, default=str), encoding="utf-8")
    os.replace(partial, result_path)  # the parent sees a whole result or none
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
