"""``invoke build`` at the CLI edge: no Docker engine is one line naming the fix, and a project
without image functions says there is nothing to build. (The builds themselves run against a real
engine in test_publish_docker.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_projects import census_project
from invoke import MockContext
from invoke.exceptions import Exit

from dorc_runtime.tasks import deploy as deploy_tasks
from tests.helpers.projects import enter_project


@pytest.fixture()
def root(tmp_path: Path, monkeypatch) -> Path:
    root = census_project(tmp_path / "acme-data")
    enter_project(root, monkeypatch)
    return root


def test_build_without_a_docker_engine_is_one_line_with_the_fix(root: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(Exit) as error:
        deploy_tasks.build(MockContext())
    message = str(error.value.message)
    assert error.value.code == 1
    assert message.startswith(f"Error: No Docker engine answers at unix://{tmp_path}/no-engine.sock (")
    assert "Fix: start the Docker engine" in message and "DOCKER_HOST" in message
    assert "\n" not in message and "Traceback" not in message


def test_build_of_a_zip_only_pipeline_needs_no_engine(root: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    main = root / "src/processed/census/__main__.py"
    main.write_text(main.read_text().replace('Function(name="aggregate", next_function="publish", architecture="arm64")',
                                             'Function(name="aggregate", next_function="publish", package_type="zip")'))  # fmt: skip
    deploy_tasks.build(MockContext(), pipeline="census", layer="processed")
    assert "nothing to build" in capsys.readouterr().out


def test_layer_without_pipeline_is_refused(root: Path) -> None:
    with pytest.raises(Exit, match="--layer only makes sense with --pipeline"):
        deploy_tasks.build(MockContext(), layer="raw")
