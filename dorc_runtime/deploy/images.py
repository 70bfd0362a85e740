"""What goes into a function's package, and the content hash that names it.

Pure apart from reading the files it hashes. A zip's name is a hash of the function folder
(without caches, virtual environments, git data, dorc's state or .env), the requirements and the
build settings; an image's tag is the same kind of hash over its staged build context
(:mod:`dorc_runtime.deploy.publish.assets`). An unchanged function therefore keeps its name, so
nothing is rebuilt, pushed or updated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DOCKERFILE = "Dockerfile"
REQUIREMENTS = "requirements.txt"
TAG_LENGTH = 20
# Byte-code caches and editor droppings change without the code changing; virtual environments,
# git data, dorc's own state and .env (secrets) never belong in a package. The template's
# .dockerignore lists the same names for people who run `docker build` by hand.
IGNORED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv", ".git", ".dorc"})
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", "~")
IGNORED_NAMES = frozenset({".DS_Store", ".env"})


@dataclass(frozen=True)
class PackageInputs:
    """The files and settings one function's package is built from."""

    project_root: Path
    function_dir: Path
    requirement_files: tuple[Path, ...]
    dockerfile: Path | None
    settings: tuple[tuple[str, str], ...]

    @property
    def code_path(self) -> str:
        """The function folder relative to the project root: the Dockerfile's ``CODE_PATH``."""
        return self.function_dir.relative_to(self.project_root).as_posix()


def requirement_files(project_root: Path, pipeline_dir: Path) -> tuple[Path, ...]:
    """Global, then pipeline requirements (the pipeline's may sit beside ``__main__.py`` or in ``src/``)."""
    candidates = (project_root / REQUIREMENTS, pipeline_dir / REQUIREMENTS, pipeline_dir / "src" / REQUIREMENTS)
    return tuple(path for path in candidates if path.is_file())


def package_inputs(
    project_root: Path,
    pipeline_dir: Path,
    function: str,
    *,
    package_type: str,
    architecture: str,
    python_version: str,
) -> PackageInputs:
    dockerfile = project_root / DOCKERFILE
    return PackageInputs(
        project_root=project_root,
        function_dir=pipeline_dir / "src" / function,
        requirement_files=requirement_files(project_root, pipeline_dir),
        dockerfile=dockerfile if package_type == "image" and dockerfile.is_file() else None,
        settings=(
            ("package_type", package_type),
            ("architecture", architecture),
            ("python_version", python_version),
        ),
    )


def _kept(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    if any(part in IGNORED_DIRS for part in rel.parts):
        return False
    return path.name not in IGNORED_NAMES and not path.name.endswith(IGNORED_SUFFIXES)


def function_files(function_dir: Path) -> list[Path]:
    """The function folder's files, sorted, without caches."""
    return sorted(p for p in function_dir.rglob("*") if p.is_file() and _kept(p, function_dir))


def _entries(inputs: PackageInputs) -> Iterator[tuple[str, bytes]]:
    for key, value in inputs.settings:
        yield f"setting:{key}", value.encode()
    for path in function_files(inputs.function_dir):
        yield f"code:{path.relative_to(inputs.function_dir).as_posix()}", path.read_bytes()
    for path in inputs.requirement_files:
        yield f"requirements:{path.relative_to(inputs.project_root).as_posix()}", path.read_bytes()
    if inputs.dockerfile is not None:
        yield "dockerfile", inputs.dockerfile.read_bytes()


def digest(entries: Iterable[tuple[str, bytes]]) -> str:
    """Hash (name, content) pairs unambiguously: lengths are framed so no two sets collide by concatenation."""
    sha = hashlib.sha256()
    for name, content in entries:
        encoded = name.encode()
        sha.update(len(encoded).to_bytes(8, "big") + encoded)
        sha.update(len(content).to_bytes(8, "big") + content)
    return sha.hexdigest()


def content_tag(inputs: PackageInputs) -> str:
    """The image tag / zip name of a function: a stable hash of everything that goes into it."""
    return digest(_entries(inputs))[:TAG_LENGTH]


def docker_platform(architecture: str) -> str:
    return {"x86_64": "linux/amd64", "arm64": "linux/arm64"}[architecture]
