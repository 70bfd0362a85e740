"""What ``invoke test`` runs: the project's own ``tests/`` with dorc's tooling (they check the
settings and the pipelines' definitions), and each pipeline's ``tests/`` with that pipeline's
environment (its requirements, boto3 as Lambda has it, and the project's
``requirements-test.txt``: test tools, nothing of dorc's), so that a pipeline's tests see what its
Lambda functions see and pipelines that need different packages each pass from a clean checkout.
The ``dorc`` fixture's session runs in dorc's own environment (``dorc_runtime.testing_host``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...project import Project
from ...tooling import TOOLING_PYTHON_VARIABLE
from . import environments

TESTS_FOLDER = "tests"
# Variables of dorc's own virtual environment that must not reach a pipeline's tests
_TOOLING_VARIABLES = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")


@dataclass(frozen=True)
class TestRun:
    label: str
    python: Path
    paths: tuple[Path, ...]
    environment: dict[str, str]


def _pipeline_environment() -> dict[str, str]:
    """The shell's variables without dorc's environment's, and where dorc's tooling is: the
    ``dorc`` fixture runs its session there (nothing of it is in the pipeline's environment)."""
    variables = {k: v for k, v in os.environ.items() if k not in _TOOLING_VARIABLES}
    variables[TOOLING_PYTHON_VARIABLE] = sys.executable
    return variables


def test_runs(project: Project, python_version: str,
              notify: environments.Notify = environments._stderr) -> Iterator[TestRun]:
    """The project's tests first, then one run per pipeline that has tests (its environment is
    built, or reused, just before)."""
    root_tests = project.root / TESTS_FOLDER
    if root_tests.is_dir():
        yield TestRun("project tests", Path(sys.executable), (root_tests,), dict(os.environ))
    for layer, pipeline in project.all_pipelines():
        pipeline_dir = project.pipeline_dir(layer, pipeline)
        tests = pipeline_dir / TESTS_FOLDER
        if not tests.is_dir():
            continue
        request = environments.EnvironmentRequest.for_pipeline(project.root, pipeline_dir, f"{layer}/{pipeline}",
                                                               python_version, tests=True)
        built = environments.ensure(request, notify)
        yield TestRun(f"{layer}/{pipeline} tests", built.python, (tests,), _pipeline_environment())


