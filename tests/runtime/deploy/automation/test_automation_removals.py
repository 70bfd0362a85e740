"""Stacks left behind by a removed or renamed pipeline: listed by deploy, destroyable by name.

Removing src/<layer>/<pipeline> leaves its stacks in the backend, and their Lambdas, state machine
and cron rule keep running. deploy says so (with the command that destroys each), and destroy
works for such a stack even though its program folder is gone.
"""

import shutil

import pytest
from automation_helpers import FakeRunner, make_harness

from dorc_runtime.deploy.automation.commands import Session, resolve_target, run_deploy, run_destroy
from dorc_runtime.deploy.automation.plan import Target, orphan_stacks
from dorc_runtime.errors import DeployError, ProjectError

BACKEND = [
    ("census-demo-universal", "universal"),
    ("census-demo-infra", "prod"),
    ("census-demo-raw-census", "prod"),
    ("census-demo-raw-census", "preprod"),
    ("census-demo-raw-old-weather", "prod"),  # raw/old-weather: its folder was removed
    ("census-demo-gone_layer-daily", "preprod"),  # a whole layer removed
    ("other-project-raw-census", "prod"),  # another project sharing the backend
    ("census-demo-raw-tmp", "sandbox"),  # not one of this project's environments
]


def test_orphans_are_the_backends_pipeline_stacks_without_a_folder(session):
    found = orphan_stacks(session.layout, BACKEND)
    assert [(s.environment, s.layer, s.pipeline) for s in found] == [
        ("preprod", "gone_layer", "daily"),
        ("prod", "raw", "old-weather"),  # split where a layer folder still exists
    ]


def test_deploy_lists_orphans_and_how_to_destroy_them(session):
    h = make_harness(FakeRunner(backend=BACKEND))
    run_deploy(session, Target("prod"), h.seams, yes=True)
    printed = h.seams.console.export_text()
    assert (
        "2 stack(s) in the backend belong to pipelines whose folder no longer exists; their resources "
        "keep running until you destroy them:\n"
        "  - pipeline gone_layer/daily [preprod]: invoke destroy --env preprod --pipeline daily --layer gone_layer\n"
        "  - pipeline raw/old-weather [prod]: invoke destroy --env prod --pipeline old-weather --layer raw\n"
    ) in printed
    assert len(h.runner.calls) == 5  # the deploy itself goes on


def test_deploy_says_nothing_when_nothing_is_left_behind(session):
    h = make_harness(FakeRunner(backend=BACKEND[:4]))
    run_deploy(session, Target("prod"), h.seams, yes=True)
    assert "no longer exists" not in h.seams.console.export_text()


def test_destroy_a_pipeline_whose_folder_is_gone(project, session):
    shutil.rmtree(project.root / "src/raw/weather")
    target = resolve_target(project, "prod", "weather", "raw", removed_ok=True)
    assert target == Target("prod", "raw", "weather")
    runner = FakeRunner(
        deployed={"pipeline raw/weather [prod]": 9}, backend=[("census-demo-raw-weather", "prod")]
    )
    h = make_harness(runner)
    fresh = Session.open(project, session.settings)
    run_destroy(fresh, target, h.seams, yes=True)
    assert h.runner.calls == [("destroy", "pipeline raw/weather [prod]")]


def test_destroy_of_an_unknown_removed_pipeline_is_refused_before_anything(project, session):
    target = resolve_target(project, "prod", "nothere", "raw", removed_ok=True)
    h = make_harness(FakeRunner(backend=BACKEND))
    with pytest.raises(DeployError) as error:
        run_destroy(session, target, h.seams, yes=True)
    assert error.value.message == (
        "There is no pipeline raw/nothere: no folder src/raw/nothere and no stack census-demo-raw-nothere/prod "
        "in the backend."
    )
    assert h.runner.calls == []


def test_without_a_layer_a_removed_pipeline_is_refused_with_the_fix(project):
    with pytest.raises(ProjectError) as error:
        resolve_target(project, "prod", "old-weather", None, removed_ok=True)
    assert "--pipeline old-weather --layer <layer>" in error.value.fix
    with pytest.raises(ProjectError):  # deploy and preview never target a missing folder
        resolve_target(project, "prod", "old-weather", "raw")


def test_an_environment_is_not_destroyed_under_its_removed_pipelines_stacks(session):
    runner = FakeRunner(deployed={"infra [prod]": 5}, backend=BACKEND)
    h = make_harness(runner)
    with pytest.raises(DeployError) as error:
        run_destroy(session, Target("prod"), h.seams, yes=True)
    assert "pipeline raw/old-weather [prod] still exist(s)" in error.value.message
    assert error.value.fix == (
        "destroy them first, e.g. 'invoke destroy --env prod --pipeline old-weather --layer raw'"
    )
    assert [c for c in h.runner.calls if c[0] == "destroy"] == []
    run_destroy(session, Target("preprod"), make_harness(FakeRunner(backend=BACKEND[:4])).seams, yes=True)
