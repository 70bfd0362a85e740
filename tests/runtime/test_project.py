"""The config repository on disk: finding it, listing it, loading definitions without deploying."""

from __future__ import annotations

from pathlib import Path

import pytest

from dorc_runtime.errors import DefinitionError, ProjectError
from dorc_runtime.project import Project, handler_problem, load_definition


def test_find_from_a_subfolder(baked_project: Path) -> None:
    assert Project.find(baked_project / "src" / "raw").root == baked_project


def test_find_outside(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="not inside a dorc config repository"):
        Project.find(tmp_path)


def test_find_uses_config_repo_path_from_outside(baked_project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONFIG_REPO_PATH", str(baked_project))
    assert Project.find().root == baked_project
    monkeypatch.setenv("CONFIG_REPO_PATH", str(tmp_path))
    with pytest.raises(ProjectError):
        Project.find()


def test_lists_and_resolves(baked_project: Path) -> None:
    project = Project(baked_project)
    assert project.layers() == ["processed", "raw"]
    assert project.pipelines("raw") == ["census"]
    with pytest.raises(ProjectError, match="several layers"):
        project.resolve_pipeline("census")
    assert project.resolve_pipeline("census", "raw") == ("raw", "census")


def test_loading_never_deploys(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    main = project / "src/raw/census/__main__.py"
    # were the guard ignored, loading would raise here instead of returning the definition
    main.write_text(main.read_text() + '\nif __name__ == "__main__":\n    raise SystemExit("deployed!")\n')
    definition = load_definition(main.parent)
    assert definition.name == "census"


def test_load_reports_folder_problems(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    (project / "src/raw/census/src/extra").mkdir()
    with pytest.raises(DefinitionError) as caught:
        load_definition(project / "src/raw/census")
    assert any("src/extra/ is not a function" in p for p in caught.value.problems)
    assert not any("lambda.py is missing" in p for p in caught.value.problems)


def test_handler_problem(tmp_path: Path) -> None:
    path = tmp_path / "lambda.py"
    assert "is missing" in handler_problem(path)
    path.write_text("def handler(event):\n    pass\n")
    assert "takes 1 argument" in handler_problem(path)
    path.write_text("def handler(event, context):\n    pass\n")
    assert handler_problem(path) is None
    path.write_text("def handler(:\n")
    assert "syntax error" in handler_problem(path)
