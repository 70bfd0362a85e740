"""The one place scaffolding writes files: a :class:`Plan` applied all-or-nothing.

Everything is first written into a hidden staging folder inside the project (same file system,
so moving is a rename), then moved into place. New folders and files never replace anything
(checked up front, and files are placed with ``os.link``, which refuses to overwrite); if any
step fails, what was already placed is undone, so no partial folder is left. No path may leave
the project.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import AlreadyExistsError, ProjectError

Content = str | bytes


@dataclass
class Plan:
    """What to create: whole new folders, new single files, and edits of existing files.

    Keys are paths relative to the project root, with '/' separators.
    """

    trees: dict[str, Mapping[str, Content]] = field(default_factory=dict)
    files: dict[str, Content] = field(default_factory=dict)
    edits: dict[str, str] = field(default_factory=dict)

    def paths(self) -> list[str]:
        return [*self.trees, *self.files, *self.edits]


_INSIDE_FIX = "scaffolding writes only inside the project; use plain names (no '/' or '..')"


def _inside(root: Path, rel: str) -> Path:
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ProjectError(f"Refusing to write {rel!r}: it is not a path inside the project.", _INSIDE_FIX)
    target = (root / pure).resolve()
    if not target.is_relative_to(root):
        raise ProjectError(f"Refusing to write {rel!r}: it resolves outside the project ({target}).", _INSIDE_FIX)
    return target


def _put(path: Path, content: Content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


class _Undo:
    """Records each placed change so a failure can take all of them back, newest first."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Path, str | None]] = []

    def made_dir(self, path: Path) -> None:
        self._steps.append(("dir", path, None))

    def placed_tree(self, path: Path) -> None:
        self._steps.append(("tree", path, None))

    def placed_file(self, path: Path) -> None:
        self._steps.append(("file", path, None))

    def edited(self, path: Path, original: str) -> None:
        self._steps.append(("edit", path, original))

    def rollback(self) -> None:
        for kind, path, original in reversed(self._steps):
            if kind == "tree":
                shutil.rmtree(path, ignore_errors=True)
            elif kind == "file":
                path.unlink(missing_ok=True)
            elif kind == "edit" and original is not None:
                path.write_text(original, encoding="utf-8")
            elif kind == "dir":
                try:
                    path.rmdir()
                except OSError:
                    pass


def _make_parents(path: Path, root: Path, undo: _Undo) -> None:
    missing = []
    for parent in path.parents:
        if parent == root or parent.exists():
            break
        missing.append(parent)
    for parent in reversed(missing):
        parent.mkdir()
        undo.made_dir(parent)


def apply(root: Path, plan: Plan) -> list[str]:
    """Carry out ``plan`` inside ``root``; return the created or edited paths (relative)."""
    root = root.resolve()
    targets = {rel: _inside(root, rel) for rel in plan.paths()}
    for rel in [*plan.trees, *plan.files]:
        if targets[rel].exists():
            raise AlreadyExistsError(f"{rel} already exists; nothing was changed.", "choose another name")
    for rel in plan.edits:
        if not targets[rel].is_file():
            raise ProjectError(f"{rel} does not exist; nothing was changed.", "restore it (e.g. from git), then run the command again")

    try:
        staging = Path(tempfile.mkdtemp(prefix=".dorc-scaffold-", dir=root))
    except OSError as exc:
        raise _refused(root, root, exc) from None
    undo = _Undo()
    current = root
    try:
        staged: dict[str, Path] = {}
        for index, (rel, tree) in enumerate(plan.trees.items()):
            folder = staging / f"tree{index}"
            folder.mkdir()
            for name, content in tree.items():
                _put(_inside(folder, name), content)
            staged[rel] = folder
        for index, (rel, content) in enumerate([*plan.files.items(), *plan.edits.items()]):
            staged[rel] = staging / f"file{index}"
            _put(staged[rel], content)

        try:
            for rel in plan.trees:
                current = targets[rel]
                _make_parents(targets[rel], root, undo)
                if targets[rel].exists():
                    raise AlreadyExistsError(f"{rel} already exists; nothing was changed.", "choose another name")
                os.rename(staged[rel], targets[rel])
                undo.placed_tree(targets[rel])
            for rel in plan.files:
                current = targets[rel]
                _make_parents(targets[rel], root, undo)
                os.link(staged[rel], targets[rel])
                undo.placed_file(targets[rel])
            for rel in plan.edits:
                current = targets[rel]
                original = targets[rel].read_text(encoding="utf-8")
                os.replace(staged[rel], targets[rel])
                undo.edited(targets[rel], original)
        except BaseException as exc:
            undo.rollback()
            if isinstance(exc, OSError):  # a file or a read-only folder in the way
                raise _refused(root, current, exc) from None
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return plan.paths()


def _refused(root: Path, path: Path, exc: OSError) -> ProjectError:
    def shown(p: Path) -> str:
        return p.relative_to(root).as_posix() if p != root and p.is_relative_to(root) else str(p)

    # what is in the way: the nearest existing ancestor, when it is a file rather than a folder
    existing = next((p for p in (path, *path.parents) if p.exists()), root)
    if existing != path and not existing.is_dir():
        reason = f"{shown(existing)} is a file, not a folder"
    else:
        reason = f"{exc.strerror or exc} ({shown(existing)})"
    return ProjectError(
        f"Cannot create {shown(path)}: {reason}; nothing was changed.",
        "move the file in the way, or make the folder writable, then run the command again",
    )
