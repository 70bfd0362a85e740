"""Zip packaging for ``Function(package_type="zip")``: no Docker, wheels for the Lambda platform.

Split as plan -> execute: :func:`plan_zip` is pure and says which pip command builds the
dependencies and where the archive goes; :class:`ZipBuilder` runs it (the only side effects);
:class:`PlanOnlyPackager` records plans without building, which is what ``invoke plan`` uses.
The packager in use is a context variable so the Pulumi program itself never changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeployError
from .images import PackageInputs, content_tag, function_files

BUILD_DIR = Path(".dorc") / "build"
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda architecture -> wheel platform suffix
# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), 3.11 and older on Amazon
# Linux 2 (glibc 2.26): https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
# pip does not widen a PEP 600 tag to older ones (only manylinux2014 -> 2010 -> 1), so every
# glibc level is listed, most specific first; pip prefers the earlier tags.
AMAZON_LINUX_2023_FROM = (3, 12)
AL2023_MANYLINUX = ("manylinux_2_28", "manylinux_2_17", "manylinux2014")
AL2_MANYLINUX = ("manylinux_2_17", "manylinux2014")
# zip entries get a fixed timestamp so the same inputs give byte-identical archives
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ZipPlan:
    """How to build one function's zip: pure data, printable."""

    inputs: PackageInputs
    archive: Path
    pip_command: tuple[str, ...] | None  # None: no requirements to install

    def describe(self) -> str:
        """One line, with paths relative to the project so a plan reads the same on every machine."""
        root = str(self.inputs.project_root)
        command = " ".join(self.pip_command).replace(root + "/", "") if self.pip_command else "(no requirements)"
        archive = self.archive.relative_to(self.inputs.project_root).as_posix()
        return f"{self.inputs.code_path} -> {archive}: {command}"


def lambda_platforms(python_version: str, architecture: str) -> tuple[str, ...]:
    """The wheel platforms the Lambda runtime of ``python_version`` on ``architecture`` can load."""
    major, minor = (int(part) for part in python_version.split(".")[:2])
    tags = AL2023_MANYLINUX if (major, minor) >= AMAZON_LINUX_2023_FROM else AL2_MANYLINUX
    return tuple(f"{tag}_{MACHINES[architecture]}" for tag in tags)


def plan_zip(inputs: PackageInputs, name: str, python: str = sys.executable, staging: Path | None = None) -> ZipPlan:
    """Plan the archive ``<project>/.dorc/build/<name>-<content hash>.zip`` for ``inputs``."""
    settings = dict(inputs.settings)
    archive = inputs.project_root / BUILD_DIR / f"{name}-{content_tag(inputs)}.zip"
    command: tuple[str, ...] | None = None
    if inputs.requirement_files:
        target = staging or archive.with_suffix(".deps")
        command = (
            python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            *(arg for tag in lambda_platforms(settings["python_version"], settings["architecture"])
              for arg in ("--platform", tag)),
            "--implementation", "cp",
            "--python-version", settings["python_version"],
            "--only-binary=:all:",
            "--target", str(target),
            *(arg for path in inputs.requirement_files for arg in ("-r", str(path))),
        )  # fmt: skip
    return ZipPlan(inputs=inputs, archive=archive, pip_command=command)


_NO_WHEEL = re.compile(r"No matching distribution found for ([^\s]+)")
_NO_VERSION = re.compile(r"Could not find a version that satisfies the requirement ([^\s]+)")


def missing_dependency(pip_output: str) -> str | None:
    """The requirement pip could not find a Lambda-platform wheel for, if that is why it failed."""
    for pattern in (_NO_WHEEL, _NO_VERSION):
        match = pattern.search(pip_output)
        if match:
            return match.group(1)
    return None


Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def run_command(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


def write_zip(archive: Path, trees: Sequence[Path]) -> None:
    """Zip the files of each tree at the archive root, deterministically (sorted, fixed dates)."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for tree in trees:
            for path in function_files(tree):
                info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), FIXED_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    partial.replace(archive)  # never leave a half-written archive under the final name


@dataclass(frozen=True)
class ZipBuilder:
    """Executes zip plans. Archives are content-addressed, so an existing one is reused as is."""

    runner: Runner = run_command

    def package(self, inputs: PackageInputs, name: str) -> Path:
        with tempfile.TemporaryDirectory(prefix="dorc-zip-") as tmp:
            staging = Path(tmp) / "deps"
            plan = plan_zip(inputs, name, staging=staging)
            if plan.archive.is_file():
                return plan.archive
            trees = [inputs.function_dir]
            if plan.pip_command is not None:
                self._install(plan)
                trees.insert(0, staging)
            write_zip(plan.archive, trees)
        return plan.archive

    def _install(self, plan: ZipPlan) -> None:
        assert plan.pip_command is not None
        result = self.runner(plan.pip_command)
        if result.returncode == 0:
            return
        output = f"{result.stdout}\n{result.stderr}"
        settings = dict(plan.inputs.settings)
        platforms = lambda_platforms(settings["python_version"], settings["architecture"])
        platform = f"{' or '.join(platforms)}, Python {settings['python_version']}"
        dependency = missing_dependency(output)
        if dependency:
            raise DeployError(
                f"{plan.inputs.code_path}: dependency {dependency!r} has no wheel for the Lambda platform ({platform}).",
                "pin a version that publishes manylinux wheels, or use package_type='image' for this function",
            )
        last = output.strip().splitlines()[-1] if output.strip() else f"exit code {result.returncode}"
        raise DeployError(
            f"{plan.inputs.code_path}: installing requirements for the Lambda zip failed: {last}",
            "run the pip command from 'invoke plan --output plan.json' to see the full error",
        )


@dataclass
class PlanOnlyPackager:
    """Records what would be built and returns the archive path without building it."""

    plans: list[ZipPlan] = field(default_factory=list)

    def package(self, inputs: PackageInputs, name: str) -> Path:
        plan = plan_zip(inputs, name)
        self.plans.append(plan)
        return plan.archive


# ZipBuilder is frozen and stateless, so one shared default is safe.
PACKAGER: ContextVar[ZipBuilder | PlanOnlyPackager] = ContextVar("dorc_zip_packager", default=ZipBuilder())  # noqa: B039


@contextmanager
def using_packager(packager: ZipBuilder | PlanOnlyPackager):
    token = PACKAGER.set(packager)
    try:
        yield packager
    finally:
        PACKAGER.reset(token)
