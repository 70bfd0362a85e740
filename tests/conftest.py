"""Fixtures shared by the whole suite: bake the template once per answer set and reuse it.

``bake(**answers)`` bakes with cookiecutter's Python API into a session temporary folder and
returns the project path (cached per answer set: treat it as read-only). ``project_copy``
gives a test its own writable copy. ``invoke_in`` runs a project's task the way a user does,
as a whole process with this interpreter (never a per-project virtualenv); ``snapshot`` proves
that a refused command changed nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# Local runs build each pipeline's Python environment with uv, keyed by its requirements: one
# folder shared by every test (and test worker, and run of the suite) builds each one only once.
os.environ.setdefault("DORC_ENVS_DIR", str(Path(tempfile.gettempdir()) / "dorc-test-envs"))
# Every run in the tests starts its servers per run, so that no test leaves a process behind;
# tests/runtime/local/test_warm_servers.py turns warm servers on where it tests them.
os.environ["DORC_WARM_MINUTES"] = "0"


def _cookiecutter_config(folder: Path) -> Path:
    # Keep cookiecutter's clones and replay files inside the test's folder, not in $HOME.
    config = folder / "cookiecutter-config.yaml"
    config.write_text(f"cookiecutters_dir: {folder / 'templates'}\nreplay_dir: {folder / 'replay'}\n")
    return config


def bake_into(output_dir: Path, template: str = str(REPO_ROOT), **answers: str) -> Path:
    """Bake ``template`` with ``answers`` into ``output_dir``; return the project folder."""
    from cookiecutter.main import cookiecutter

    output_dir.mkdir(parents=True, exist_ok=True)
    project = cookiecutter(
        template,
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
        config_file=str(_cookiecutter_config(output_dir.parent)),
    )
    return Path(project)


@pytest.fixture(scope="session")
def bake_to() -> Callable[..., Path]:
    """``bake_to(output_dir, template=..., **answers)``: an uncached bake, e.g. one that must fail."""
    return bake_into


@pytest.fixture(scope="session")
def bake(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    baked: dict[tuple[tuple[str, str], ...], Path] = {}

    def _bake(**answers: str) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in baked:
            baked[key] = bake_into(tmp_path_factory.mktemp("bake") / "out", **answers)
        return baked[key]

    return _bake


@pytest.fixture(scope="session")
def baked_project(bake: Callable[..., Path]) -> Path:
    """The project baked with every default answer (read-only)."""
    return bake()


@pytest.fixture
def project_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """A writable copy of a baked project, for tests that change it."""

    def _copy(project: Path) -> Path:
        target = tmp_path / project.name
        shutil.copytree(project, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        return target

    return _copy


def _invoke_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=project, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="session")
def invoke_in() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``invoke_in(project, "validate")``: run a task inside ``project`` as a separate process."""
    return _invoke_in


def _snapshot(root: Path) -> dict[str, bytes | None]:
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if {"__pycache__", ".pytest_cache"} & set(rel.parts):
            continue
        found[rel.as_posix()] = path.read_bytes() if path.is_file() else None
    return found


@pytest.fixture(scope="session")
def snapshot() -> Callable[[Path], dict[str, bytes | None]]:
    """``snapshot(folder)``: every file and folder with its content, to prove nothing changed."""
    return _snapshot
