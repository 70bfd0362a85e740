"""The writer: all-or-nothing, never overwrites, never leaves the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from dorc_runtime.errors import AlreadyExistsError, ProjectError
from dorc_runtime.scaffold import writer
from dorc_runtime.scaffold.writer import Plan, apply


def test_creates_trees_files_and_edits(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("old")
    plan = Plan(
        trees={"src/raw/p": {"a.txt": "A", "sub/b.bin": b"\x00B"}},
        files={"tests/t.py": "T"},
        edits={"main.py": "new"},
    )
    assert apply(tmp_path, plan) == ["src/raw/p", "tests/t.py", "main.py"]
    assert (tmp_path / "src/raw/p/a.txt").read_text() == "A"
    assert (tmp_path / "src/raw/p/sub/b.bin").read_bytes() == b"\x00B"
    assert (tmp_path / "tests/t.py").read_text() == "T"
    assert (tmp_path / "main.py").read_text() == "new"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dorc-scaffold-")]


@pytest.mark.parametrize("path", ["../escape", "/abs/path", "a/../../b"])
def test_refuses_paths_outside(tmp_path: Path, path: str) -> None:
    (tmp_path / "project").mkdir()
    with pytest.raises(ProjectError, match="Refusing to write"):
        apply(tmp_path / "project", Plan(files={path: "x"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_refuses_symlink_escape(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(ProjectError):
        apply(root, Plan(files={"link/evil.txt": "x"}))
    assert not (tmp_path / "evil.txt").exists()


def test_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "src/raw/p").mkdir(parents=True)
    (tmp_path / "f.txt").write_text("mine")
    with pytest.raises(AlreadyExistsError):
        apply(tmp_path, Plan(trees={"src/raw/q": {"a": "1"}, "src/raw/p": {"a": "1"}}))
    with pytest.raises(AlreadyExistsError):
        apply(tmp_path, Plan(files={"f.txt": "theirs"}))
    assert not (tmp_path / "src/raw/q").exists()
    assert (tmp_path / "f.txt").read_text() == "mine"


def test_failure_midway_undoes_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.py").write_text("old")

    def broken_link(src, dst):
        raise OSError("no space left")

    monkeypatch.setattr(writer.os, "link", broken_link)
    with pytest.raises(ProjectError, match=r"^Cannot create tests/t.py: no space left .*; nothing was changed"):
        apply(tmp_path, Plan(trees={"src/new/p": {"a": "1"}}, files={"tests/t.py": "T"}, edits={"main.py": "new"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py"]
    assert (tmp_path / "main.py").read_text() == "old"
