"""Refusals before a deploy: an unconfirmed change, or ``prod`` from uncommitted work."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from ...errors import DeployError
from .backend import LOCAL_STATE_DIR
from .plan import StackPlan

PROTECTED_ENVIRONMENTS = frozenset({"prod"})


def git_status(root: Path) -> list[str] | None:
    """``git status --porcelain`` lines, or ``None`` when ``root`` is not in a git work tree.

    Stack files whose only change is the passphrase provider's new ``encryptionsalt:`` line are
    left out (see :func:`only_encryption_salt_added`).
    """
    done = _git(root, "status", "--porcelain", "--untracked-files=normal")
    if done is None:
        return None
    lines = [line for line in done.splitlines() if line.strip()]
    return [line for line in lines if not _salt_only_change(root, line)]


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


STACK_FILE = re.compile(r"(^|/)Pulumi\.[^/]+\.ya?ml$")
SALT_LINE = re.compile(r"^encryptionsalt: \S+$")


def only_encryption_salt_added(diff: str) -> bool:
    """True when a unified diff only adds an ``encryptionsalt:`` line.

    Pulumi's passphrase secrets provider writes that line into ``Pulumi.<stack>.yaml`` the first
    time it creates the stack (the salt of the key derived from PULUMI_CONFIG_PASSPHRASE). It is not
    a secret and belongs in git, but it must not make the first deploy of prod look like
    uncommitted work. A changed or removed salt is a real change and still counts.
    """
    changes = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return bool(changes) and all(line.startswith("+") and SALT_LINE.match(line[1:]) for line in changes)


def _salt_only_change(root: Path, line: str) -> bool:
    path = line[3:].strip().strip('"')
    if not set(line[:2]) <= {"M", " "} or not STACK_FILE.search(path):
        return False
    diff = _git(root, "diff", "HEAD", "--unified=0", "--", path)
    return diff is not None and only_encryption_salt_added(diff)


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
