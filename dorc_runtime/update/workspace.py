"""The project side of an update: is the git tree clean, what it holds now, and writing the plan."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import UpdateError
from ..scaffold.bake import read_tree
from .plan import RUNTIME, Action, UpdatePlan


def dirty_paths(root: Path) -> list[str]:
    """Uncommitted changes (untracked files included); refuses outside a git repository."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UpdateError("git is not installed; invoke update needs it.", "install git") from None
    if result.returncode != 0:
        raise UpdateError(
            f"{root} is not a git repository, so an update could not be undone.",
            "run 'git init && git add -A && git commit -m baseline', or pass --allow-dirty",
        )
    return [line[3:] for line in result.stdout.splitlines() if line.strip()]


def project_files(root: Path, paths: Iterable[str]) -> dict[str, bytes]:
    """The project's copy of each template path that exists, and its whole ``dorc_runtime/``."""
    found = {}
    for path in paths:
        file = root / path
        if file.is_file():
            found[path] = file.read_bytes()
    found.update(
        {f"{RUNTIME}/{p}": c for p, c in read_tree(root / RUNTIME).items()}
        if (root / RUNTIME).is_dir()
        else {}
    )
    return found


def replace_runtime(root: Path, files: Mapping[str, bytes]) -> None:
    """Swap ``dorc_runtime/`` for the new one: written beside it first, then renamed into place."""
    staging, old = root / f".{RUNTIME}.new", root / f".{RUNTIME}.old"
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    prefix = f"{RUNTIME}/"
    for path, content in files.items():
        target = staging / path[len(prefix) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    current = root / RUNTIME
    if current.exists():
        os.replace(current, old)
    os.replace(staging, current)
    shutil.rmtree(old, ignore_errors=True)


def apply_plan(root: Path, plan: UpdatePlan, replace: bool) -> None:
    if replace:
        replace_runtime(root, plan.runtime_files)
    for change in plan.changes:
        target = root / change.path
        if change.action is Action.DELETE:
            target.unlink()
        elif change.content is not None and change.action is not Action.KEEP:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(change.content)
