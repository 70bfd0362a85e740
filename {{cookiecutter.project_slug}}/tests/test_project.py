"""The project as a whole: settings, tasks and every pipeline pass `invoke validate`'s checks."""

from pathlib import Path

import project_settings
from dorc_runtime.project import Project
from dorc_runtime.validation.project import project_problems

ROOT = Path(__file__).resolve().parents[1]


def test_project_has_no_problems():
    assert project_problems(Project(ROOT)) == []


def test_every_environment_has_its_config():
    for environment in project_settings.UNIVERSAL.environments:
        assert project_settings.config(environment).environment == environment


def test_tasks_are_available():
    from tasks import namespace

    assert {"new-pipeline", "new-function", "list", "validate", "test"} <= set(namespace.task_names)
