"""Refusals before a deploy: an unconfirmed change, or ``prod`` from uncommitted work."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from ...errors import DeployError
from .backend import LOCAL_STATE_DIR
from .plan import StackPlan

PROTECTED_ENVIRONMENTS = frozenset({"prod"})


def git_status(root: Path) -> list[str] | None:
    """``git status --porcelain`` lines, or ``None`` when ``root`` is not in a git work tree."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=normal"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return [line for line in done.stdout.splitlines() if line.strip()]


def uncommitted(status: list[str]) -> list[str]:
    """Changed paths, minus the file backend's own state (it changes with every deploy)."""
    state = LOCAL_STATE_DIR.parts[0] + "/"
    paths = [line[3:].strip().strip('"') for line in status]
    return [p for p in paths if not p.startswith(state)]


def refuse_dirty(environment: str, status: list[str] | None, allow_dirty: bool) -> None:
    if allow_dirty or environment not in PROTECTED_ENVIRONMENTS or status is None:
        return
    changed = uncommitted(status)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise DeployError(
            f"Refusing to deploy {environment} from a git tree with uncommitted changes ({shown}).",
            "commit (or stash) your changes so prod matches a commit, or pass --allow-dirty",
        )


def confirm(
    plan: StackPlan,
    yes: bool,
    interactive: bool,
    ask: Callable[[str], bool],
) -> None:
    """Ask before changing anything, unless ``--yes``; without a terminal, refuse rather than hang."""
    if yes:
        return
    verb = "Deploy" if plan.action.value == "up" else "Destroy"
    if not interactive:
        raise DeployError(
            f"{verb} needs confirmation and there is no terminal to ask on.",
            "pass --yes to confirm non-interactively (e.g. in CI)",
        )
    if not ask(f"{verb} the {len(plan.stacks)} stack(s) above?"):
        raise DeployError(f"{verb} cancelled; nothing was changed.")
