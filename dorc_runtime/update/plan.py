"""What an update does, file by file: a pure function of three trees and a merge function.

base = the template at the project's recorded version, rendered with the saved answers;
theirs = the template at the new version, rendered with the same answers; ours = the project.
Only paths in base or theirs are the template's: everything else (pipelines and handlers the user
made, ``.env``...) is never read or written. ``dorc_runtime/`` is replaced wholesale and the record
is rewritten by the caller, so neither is merged here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from ..scaffold.bake import RECORD
from .merge import Merged

RUNTIME = "dorc_runtime"

Tree = Mapping[str, bytes]
MergeFn = Callable[[bytes, bytes, bytes], Merged]


class Action(str, Enum):
    ADD = "add"  # new in the template, absent from the project
    UPDATE = "update"  # the project still had the old template text: take the new one
    MERGE = "merge"  # both changed, merged cleanly
    CONFLICT = "conflict"  # both changed the same lines: written with inline markers
    DELETE = "delete"  # gone from the template, untouched in the project
    KEEP = "keep"  # the template's change is not applied; the note says why


@dataclass(frozen=True)
class Change:
    path: str
    action: Action
    content: bytes | None = None
    note: str = ""


@dataclass(frozen=True)
class RuntimeChange:
    """``dorc_runtime/`` edits found in the project (refused unless forced) and files the new one changes."""

    edited: tuple[str, ...]
    changed: tuple[str, ...]


@dataclass(frozen=True)
class UpdatePlan:
    changes: tuple[Change, ...]
    runtime: RuntimeChange
    runtime_files: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def conflicts(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.CONFLICT)


def is_runtime(path: str) -> bool:
    return path == RUNTIME or path.startswith(f"{RUNTIME}/")


def template_paths(base: Tree, theirs: Tree) -> list[str]:
    return sorted(p for p in set(base) | set(theirs) if not is_runtime(p) and p != RECORD)


def differing(left: Tree, right: Tree) -> list[str]:
    return sorted(p for p in set(left) | set(right) if left.get(p) != right.get(p))


def plan_file(
    path: str, base: bytes | None, theirs: bytes | None, ours: bytes | None, merge: MergeFn
) -> Change | None:
    """One template file's change, or None when there is nothing to do."""
    if base == theirs or ours == theirs:
        return None  # the template did not change it, or the project already has the new text
    if theirs is None:  # removed from the template
        if ours is None:
            return None
        if ours == base:
            return Change(path, Action.DELETE)
        return Change(path, Action.KEEP, note="removed from the template; kept because you edited it")
    if ours is None:
        if base is None:
            return Change(path, Action.ADD, theirs)
        return Change(path, Action.KEEP, note="you deleted it; the template changed it (not restored)")
    if ours == base:
        return Change(path, Action.UPDATE, theirs)
    merged = merge(ours, base or b"", theirs)
    if merged.binary:
        return Change(path, Action.CONFLICT, None, note="binary file changed on both sides; kept yours")
    if merged.conflicts:
        return Change(
            path, Action.CONFLICT, merged.content, note=f"{merged.conflicts} conflict(s) marked inline"
        )
    return Change(path, Action.MERGE, merged.content)


def plan_update(base: Tree, theirs: Tree, ours: Tree, merge: MergeFn) -> UpdatePlan:
    changes = [
        change
        for path in template_paths(base, theirs)
        if (change := plan_file(path, base.get(path), theirs.get(path), ours.get(path), merge)) is not None
    ]
    runtime = {p: c for p, c in theirs.items() if is_runtime(p)}
    old_runtime = {p: c for p, c in base.items() if is_runtime(p)}
    ours_runtime = {p: c for p, c in ours.items() if is_runtime(p)}
    return UpdatePlan(
        changes=tuple(changes),
        runtime=RuntimeChange(
            edited=tuple(differing(old_runtime, ours_runtime)),
            changed=tuple(differing(ours_runtime, runtime)),
        ),
        runtime_files=runtime,
    )
