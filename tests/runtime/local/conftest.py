"""Projects on disk for the local-runner tests: the template's census examples, and small
pipelines written per test."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "{{cookiecutter.project_slug}}" / "_examples"

SETTINGS = '''
from dorc_runtime import Config, UniversalConfig
from dorc_runtime.environment import select

UNIVERSAL = UniversalConfig(region="eu-west-2", project="demo", environments=("prod",))
ENVIRONMENTS = {"prod": Config(universal=UNIVERSAL)}


def config(environment=None):
    return select(ENVIRONMENTS, environment)
'''

MAIN = '''
from dorc_runtime import Function, PipelineDefinition

pipeline_definition = PipelineDefinition(file_path=__file__, functions=[{functions}])
'''


class ProjectBuilder:
    """A config repository in a temporary folder (project_settings.py, tasks.py, src/)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "project_settings.py").write_text(SETTINGS)
        (root / "tasks.py").write_text("from dorc_runtime.tasks import namespace  # noqa: F401\n")
        (root / "src").mkdir(exist_ok=True)

    def census(self) -> ProjectBuilder:
        shutil.copytree(EXAMPLES / "census_raw", self.root / "src" / "raw" / "census")
        shutil.copytree(EXAMPLES / "census_processed", self.root / "src" / "processed" / "census")
        return self

    def pipeline(self, layer: str, name: str, functions: str, handlers: dict[str, str],
                 extra_files: dict[str, str] | None = None) -> Path:
        """``functions``: the Function(...) list's source; ``handlers``: function -> lambda.py."""
        folder = self.root / "src" / layer / name
        (folder / "src").mkdir(parents=True)
        (folder / "__main__.py").write_text(MAIN.format(functions=functions))
        for function, source in handlers.items():
            (folder / "src" / function).mkdir()
            (folder / "src" / function / "lambda.py").write_text(textwrap.dedent(source))
        for relative, source in (extra_files or {}).items():
            (folder / "src" / relative).write_text(textwrap.dedent(source))
        return folder

    def stored(self, key: str, bucket: str = "demo-local-holding-123456789012") -> Path:
        return self.root / ".dorc" / "local" / "s3" / bucket / key


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectBuilder:
    builder = ProjectBuilder(tmp_path / "project")
    monkeypatch.chdir(builder.root)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "DORC_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return builder
