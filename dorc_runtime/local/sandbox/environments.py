"""Each pipeline's Python environment, built with uv from exactly what its Lambda package holds.

A function's image installs the project's ``requirements.txt``, then its pipeline's (see the
template's Dockerfile and :func:`dorc_runtime.deploy.images.requirement_files`, the one list of
those files), on top of Lambda's Python base image, which already has boto3. The local
environment is built from the same files plus boto3, on the project's Lambda Python version,
and nothing of dorc's own tooling. It is keyed by a hash of those files and the version, kept
under ``.dorc/envs/<key>/`` (or ``$DORC_ENVS_DIR``), reused by every run and rebuilt only when
the key changes.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ...deploy.images import requirement_files
from ...errors import DorcError
from . import pythons
from .uv_tool import uv_command, uv_environment

ENVS_VARIABLE = "DORC_ENVS_DIR"
ENVS_FOLDER = (".dorc", "envs")
# What Lambda's Python runtimes and its public.ecr.aws/lambda/python images already contain:
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html ("Python runtimes include the
# AWS SDK for Python (Boto3)").
LAMBDA_PROVIDED = ("boto3",)
TEST_REQUIREMENTS = "requirements-test.txt"  # a project's test tools, added to each pipeline's tests' environment
METADATA = "dorc-env.json"
LAST_USED = "last-used"
LAYOUT = "1"  # bump when what goes into an environment changes
Notify = Callable[[str], None]


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def envs_dir(project_root: Path) -> Path:
    """Where environments live: ``$DORC_ENVS_DIR`` (e.g. one cache shared by tests), else the project's."""
    configured = os.environ.get(ENVS_VARIABLE)
    return Path(configured) if configured else project_root.joinpath(*ENVS_FOLDER)


@dataclass(frozen=True)
class EnvironmentRequest:
    """What one environment is built from."""

    label: str  # e.g. "raw/census", shown while building and by 'invoke local-envs'
    project_root: Path
    python: str  # the project's Lambda Python version
    requirement_files: tuple[Path, ...]
    packages: tuple[str, ...] = LAMBDA_PROVIDED

    @classmethod
    def for_pipeline(cls, project_root: Path, pipeline_dir: Path, label: str, python: str,
                     tests: bool = False) -> EnvironmentRequest:
        files = requirement_files(project_root, pipeline_dir)
        if tests:
            extra = project_root / TEST_REQUIREMENTS
            files += (extra,) if extra.is_file() else ()
            label += " (tests)"
        return cls(label, project_root, python, files)

    def relative_files(self) -> list[str]:
        return [_relative(path, self.project_root) for path in self.requirement_files]

    @functools.cached_property
    def key(self) -> str:
        """Read once: a request is a snapshot of its files."""
        sha = hashlib.sha256(f"layout {LAYOUT}\npython {self.python}\n".encode())
        sha.update(("packages " + " ".join(self.packages) + "\n").encode())
        for name, path in zip(self.relative_files(), self.requirement_files, strict=True):
            content = path.read_bytes()
            sha.update(f"file {name} {len(content)}\n".encode() + content)
        return sha.hexdigest()[:16]


@dataclass(frozen=True)
class Environment:
    """A built environment: its folder and the interpreter the sandboxes run."""

    root: Path
    python: Path
    metadata: dict

    @property
    def key(self) -> str:
        return self.root.name


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _interpreter(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder per environment at a time, across processes (parallel test workers, two runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_metadata(root: Path) -> dict | None:
    try:
        return json.loads((root / METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _usable(root: Path) -> dict | None:
    """The metadata of a complete environment whose interpreter still runs (its base Python may
    have been removed since), else None."""
    metadata = _read_metadata(root)
    python = _interpreter(root / "venv")
    if metadata is None or not python.exists() or not os.path.exists(os.path.realpath(python)):
        return None
    return metadata


def ensure(request: EnvironmentRequest, notify: Notify = _stderr) -> Environment:
    """The environment for ``request``, built first if it does not exist yet."""
    base = envs_dir(request.project_root)
    root = base / request.key
    metadata = _usable(root)
    if metadata is None:
        with _locked(base / f"{request.key}.lock"):
            metadata = _usable(root) or _build(request, root, notify)
    (root / LAST_USED).touch()
    return Environment(root, _interpreter(root / "venv"), metadata)


def _build(request: EnvironmentRequest, root: Path, notify: Notify) -> dict:
    choice = pythons.choose(root.parent, request.python, notify)
    files = ", ".join(request.relative_files()) or "no requirement files"
    notify(f"Building the environment for {request.label}: Python {choice.minor}, {files}, "
           f"and {' '.join(request.packages)} as Lambda provides (first run only)...")
    started = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)  # a build that was interrupted
    venv = root / "venv"
    _uv(["venv", "--quiet", "--python", choice.path, str(venv)], request)
    install = ["pip", "install", "--python", str(_interpreter(venv))]
    for path in request.requirement_files:
        install += ["-r", str(path)]
    _uv([*install, *request.packages], request)
    metadata = {
        "label": request.label,
        "key": request.key,
        "python_requested": request.python,
        "python": choice.version,
        "requirements": request.relative_files(),
        "packages": list(request.packages),
        "built_at": time.time(),
    }
    (root / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    notify(f"Environment for {request.label} ready in {time.perf_counter() - started:.1f} s "
           f"({_relative(root, request.project_root)}).")
    return metadata


def _uv(arguments: Sequence[str], request: EnvironmentRequest) -> None:
    """Run uv; its progress shows on a terminal, its errors in the one-line failure otherwise."""
    show = sys.stderr.isatty()
    done = subprocess.run(uv_command(*arguments), env=uv_environment(), text=True, check=False,
                          stdout=None if show else subprocess.PIPE, stderr=None if show else subprocess.STDOUT,
                          cwd=request.project_root)
    if done.returncode != 0:
        last = [line for line in (done.stdout or "").splitlines() if line.strip()][-3:]
        files = " or ".join(request.relative_files()) or "the requirement files"
        raise DorcError(
            f"Building the environment for {request.label} failed (uv {arguments[0]}): "
            + (" | ".join(line.strip() for line in last) or f"exit status {done.returncode}"),
            f"fix {files} so that 'uv pip install' can install it, then run again",
        )


@dataclass(frozen=True)
class EnvironmentInfo:
    key: str
    root: Path
    label: str
    python: str
    size_bytes: int
    last_used: float | None


def _size(root: Path) -> int:
    total = 0
    for folder, _, names in os.walk(root):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def existing(project_root: Path) -> list[EnvironmentInfo]:
    """Every built environment, most recently used first."""
    base = envs_dir(project_root)
    found: list[EnvironmentInfo] = []
    for root in sorted(base.iterdir()) if base.is_dir() else []:
        metadata = _read_metadata(root) if root.is_dir() else None
        if metadata is None:
            continue
        marker = root / LAST_USED
        found.append(EnvironmentInfo(root.name, root, str(metadata.get("label", "?")), str(metadata.get("python", "?")),
                                     _size(root), marker.stat().st_mtime if marker.exists() else None))
    return sorted(found, key=lambda info: info.last_used or 0, reverse=True)


def clear(project_root: Path) -> int:
    """Remove every environment (and the remembered Python choices); how many there were."""
    base = envs_dir(project_root)
    count = len(existing(project_root))
    shutil.rmtree(base, ignore_errors=True)
    return count
