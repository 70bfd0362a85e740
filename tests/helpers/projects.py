"""Small config repositories on disk for tests: project_settings.py, pipelines and their handlers.

One writer for the suites that each used to carry their own copy (automation, operate, the local
runner, submissions). The deploy suite's richer writer (Dockerfile, stack programs, triggers) is
``tests/runtime/deploy/deploy_projects.py``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

ECHO_HANDLER = "def handler(event, context):\n    return event\n"

# Variables that would send a test's boto3 or environment choice somewhere other than intended.
AMBIENT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "DORC_ENVIRONMENT")


def settings_source(project: str, environments: tuple[str, ...] = ("prod",), region: str = "eu-west-2") -> str:
    """A ``project_settings.py`` with one plain ``Config`` per environment."""
    return textwrap.dedent(
        f"""
        from dorc_runtime import Config, UniversalConfig
        from dorc_runtime.environment import select

        UNIVERSAL = UniversalConfig(region={region!r}, project={project!r}, environments={environments!r})
        ENVIRONMENTS = {{env: Config(universal=UNIVERSAL) for env in UNIVERSAL.environments}}


        def config(environment=None):
            return select(ENVIRONMENTS, environment)
        """
    )


def pipeline_source(functions: str) -> str:
    """A pipeline's ``__main__.py``; ``functions`` is the source of the ``Function(...)`` list's items."""
    return textwrap.dedent(
        f"""
        from dorc_runtime import Function, PipelineDefinition

        pipeline_definition = PipelineDefinition(file_path=__file__, functions=[{functions}])
        """
    )


def write_settings(root: Path, project: str, environments: tuple[str, ...] = ("prod",)) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "project_settings.py").write_text(settings_source(project, environments))


def write_pipeline(root: Path, layer: str, name: str, functions: str, handlers: Mapping[str, str]) -> Path:
    """``src/<layer>/<name>/__main__.py`` and ``src/<fn>/lambda.py`` per entry of ``handlers``
    (function name -> source, dedented). Returns the pipeline folder."""
    folder = root / "src" / layer / name
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "__main__.py").write_text(pipeline_source(functions))
    for function, source in handlers.items():
        (folder / "src" / function).mkdir()
        (folder / "src" / function / "lambda.py").write_text(textwrap.dedent(source))
    return folder


def enter_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work inside ``root`` as a user would, with no ambient AWS endpoint, profile or environment."""
    monkeypatch.chdir(root)
    for variable in AMBIENT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
