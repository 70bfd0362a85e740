"""Every expected error raised by the command-line modules says how to fix it (the ``fix`` of
``DorcError(message, fix)``): found by reading the code, so a new ``raise`` without one fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dorc_runtime import errors

RUNTIME = Path(errors.__file__).resolve().parent
# The modules of the command line: tasks, their checks and scaffolding (other areas test their own).
SCOPE = ["cli.py", "events.py", "project.py", "names.py", "graph.py", "tasks", "validation", "scaffold"]
# Errors whose subclass supplies the fix, or that list problems each carrying its own fix.
FIX_BUILT_IN = {"DefinitionError", "UnsupportedConstructError"}
ERROR_NAMES = {
    name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, errors.DorcError)
}


def _files() -> list[Path]:
    found: list[Path] = []
    for entry in SCOPE:
        path = RUNTIME / entry
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _raises_without_fix(path: Path) -> list[str]:
    missing = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        func = node.exc.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ERROR_NAMES and name not in FIX_BUILT_IN:
            has_fix = len(node.exc.args) >= 2 or any(k.arg in ("fix", None) for k in node.exc.keywords)
            if not has_fix:
                missing.append(f"{path.name}:{node.lineno}: {name}")
    return missing


def test_the_scan_sees_the_error_classes():
    assert {"DorcError", "ProjectError", "InvalidNameError", "EventError"} <= ERROR_NAMES


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(RUNTIME)))
def test_every_error_names_its_fix(path: Path):
    assert _raises_without_fix(path) == []


def test_the_scan_finds_a_raise_without_a_fix(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text("raise ProjectError('no fix here')\nraise ProjectError('a', 'the fix')\nraise ProjectError('b', fix='f')\n")
    assert _raises_without_fix(sample) == ["sample.py:1: ProjectError"]
