"""Shared by the template's hooks: load dorc's rules without its dependencies, check answers.

The hooks run with the Python that runs cookiecutter, which may lack pydantic and the rest of
dorc's dependencies, so runtime modules are imported under a bare ``dorc_runtime`` package
whose ``__init__`` (which imports the models) is never run. The modules used here
(names, errors, naming, scaffold.files/bake/writer) need only the standard library.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

RUNTIME = "dorc_runtime"


def runtime_module(runtime_dir: Path, name: str) -> types.ModuleType:
    """``dorc_runtime.<name>`` imported from ``runtime_dir`` without running its ``__init__``."""
    if RUNTIME not in sys.modules:
        package = types.ModuleType(RUNTIME)
        package.__path__ = [str(runtime_dir)]
        sys.modules[RUNTIME] = package
    return importlib.import_module(f"{RUNTIME}.{name}")


def answers_of(context: dict[str, Any]) -> dict[str, str]:
    """The user's answers: cookiecutter's private keys (``_template``, ``_repo_dir``...) left out."""
    return {key: value for key, value in context.items() if not key.startswith("_")}


def check_answers(context: dict[str, Any], repo_dir: Path) -> None:
    """Raise the runtime's ``InvalidNameError`` for the first answer that breaks a rule."""
    names = runtime_module(repo_dir / RUNTIME, "names")
    errors = runtime_module(repo_dir / RUNTIME, "errors")
    choices = json.loads((repo_dir / "cookiecutter.json").read_text(encoding="utf-8"))

    def fail(answer: str, message: str, fix: str) -> None:
        raise errors.InvalidNameError(f"{answer}: {message}", fix)

    def checked(answer: str, check, *args) -> None:  # noqa: ANN001
        try:
            check(*args)
        except errors.InvalidNameError as error:
            raise errors.InvalidNameError(f"{answer}: {error.message}", error.fix) from None

    if not str(context["project_name"]).strip():
        fail("project_name", "The project name is empty.", "give a name such as 'Pipeline Config'")
    checked("project_slug", names.check_slug, context["project_slug"])
    checked("aws_region", names.check_region, context["aws_region"])
    checked("aws_account_id", names.check_account, context["aws_account_id"])
    for answer, kind in (("environments", "environment"), ("layers", "layer")):
        items = [item.strip() for item in str(context[answer]).split(",")]
        if not any(items):
            fail(answer, f"No {kind} given.", f"give a comma-separated list, e.g. {choices[answer]!r}")
        for item in items:
            if kind == "environment":
                checked(answer, names.check_environment, item)
            else:
                checked(answer, names.check_name, kind, item)
        duplicates = sorted({item for item in items if items.count(item) > 1})
        if duplicates:
            fail(answer, f"The {kind} {duplicates[0]!r} is listed twice.", "list each name once")
    for answer in ("python_version", "include_example"):
        if context[answer] not in choices[answer]:
            fail(answer, f"{context[answer]!r} is not offered.", f"choose one of {choices[answer]}")


def vendor_runtime(repo_dir: Path, project_dir: Path) -> None:
    """Copy the runtime into the project byte for byte (it never passes through Jinja)."""
    shutil.copytree(
        repo_dir / RUNTIME,
        project_dir / RUNTIME,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def template_source(context: dict[str, Any]) -> str:
    """Where the template came from: a URL as given, a local path made absolute."""
    template = str(context.get("_template") or "")
    path = Path(template).expanduser()
    return str(path.resolve()) if template and path.is_dir() else template


def template_commit(repo_dir: Path) -> str | None:
    if not (repo_dir / ".git").exists():
        return None
    try:
        result = subprocess.run(
            ["git", "-C", str(repo_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip() or None


def runtime_version(repo_dir: Path) -> str:
    text = (repo_dir / RUNTIME / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else "unknown"
