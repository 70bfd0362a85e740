"""Projects on disk for the local-runner tests: the template's census examples, and small
pipelines written per test."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.helpers.projects import enter_project, settings_source, write_pipeline

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "{{cookiecutter.project_slug}}" / "_examples"


class ProjectBuilder:
    """A config repository in a temporary folder (project_settings.py, tasks.py, src/)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "project_settings.py").write_text(settings_source("demo"))
        (root / "tasks.py").write_text("from dorc_runtime.tasks import namespace  # noqa: F401\n")
        (root / "src").mkdir(exist_ok=True)

    def census(self) -> ProjectBuilder:
        shutil.copytree(EXAMPLES / "census_raw", self.root / "src" / "raw" / "census")
        shutil.copytree(EXAMPLES / "census_processed", self.root / "src" / "processed" / "census")
        return self

    def pipeline(self, layer: str, name: str, functions: str, handlers: dict[str, str],
                 extra_files: dict[str, str] | None = None) -> Path:
        """``functions``: the Function(...) list's source; ``handlers``: function -> lambda.py."""
        folder = write_pipeline(self.root, layer, name, functions, handlers)
        for relative, source in (extra_files or {}).items():
            (folder / "src" / relative).write_text(textwrap.dedent(source))
        return folder

    def stored(self, key: str, bucket: str = "demo-local-holding-123456789012") -> Path:
        return self.root / ".dorc" / "local" / "s3" / bucket / key


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectBuilder:
    builder = ProjectBuilder(tmp_path / "project")
    enter_project(builder.root, monkeypatch)
    return builder
