"""The invoke tasks in-process, inside moto: argument handling and the error edge."""

import json

import pytest
from invoke import MockContext
from invoke.exceptions import Exit
from operate_helpers import PASSING, deploy_state_machine

from dorc_runtime.tasks import operate as operate_tasks


@pytest.fixture
def in_project(project, monkeypatch):
    monkeypatch.chdir(project.root)
    return project


def test_start_wait_from_an_event_file(moto_sfn, in_project, capsys):
    deploy_state_machine("census-demo-prod-raw-census", PASSING)
    (in_project.root / "event.json").write_text(json.dumps({"year": 2021}))
    operate_tasks.start(MockContext(), "census", env="prod", event="@event.json", wait=True)
    assert "SUCCEEDED" in capsys.readouterr().out


def test_bad_event_json_is_refused_before_any_aws_call(in_project):
    with pytest.raises(Exit) as error:
        operate_tasks.start(MockContext(), "census", env="prod", event="{year: 2021}")
    assert "--event is not valid JSON" in str(error.value.message)


def test_environment_is_required(in_project, monkeypatch):
    monkeypatch.delenv("DORC_ENVIRONMENT", raising=False)
    with pytest.raises(Exit, match="No environment chosen"):
        operate_tasks.executions(MockContext(), "census")


def test_logs_of_an_unknown_function(in_project):
    with pytest.raises(Exit) as error:
        operate_tasks.logs(MockContext(), function="nope", pipeline="census", env="prod")
    assert "has no function 'nope'" in str(error.value.message)
    assert "['clean', 'fetch']" in str(error.value.message)


def test_tasks_are_exported_with_help():
    assert [t.name for t in operate_tasks.TASKS] == ["start", "executions", "logs", "redrive"]
    assert all(t.help and t.__doc__ for t in operate_tasks.TASKS)
