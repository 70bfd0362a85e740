import pytest

from dorc_runtime.deploy.automation.plan import (
    Action,
    Target,
    blocking_stacks,
    deploy_plan,
    destroy_plan,
    refuse_if_blocked,
)
from dorc_runtime.deploy.automation.stacks import StackKind
from dorc_runtime.errors import DeployError, ProjectError


def test_deploy_goes_universal_infra_then_every_pipeline(session):
    plan = deploy_plan(session.layout, Target("prod"))
    assert plan.action is Action.UP
    assert plan.lines() == [
        "1. deploy universal",
        "2. deploy infra [prod]",
        "3. deploy pipeline curated/report [prod]",
        "4. deploy pipeline raw/census [prod]",
        "5. deploy pipeline raw/weather [prod]",
    ]


def test_stacks_point_at_their_program_folders_and_stack_names(session):
    universal, infra, report, *_ = deploy_plan(session.layout, Target("preprod")).stacks
    root = session.layout.root
    assert (universal.name, universal.work_dir, universal.environment) == (
        "universal",
        root / "universal",
        None,
    )
    assert (infra.name, infra.work_dir, infra.environment) == ("preprod", root / "infra", "preprod")
    assert (report.kind, report.name, report.work_dir) == (
        StackKind.PIPELINE,
        "preprod",
        root / "src" / "curated" / "report",
    )


def test_deploy_of_one_pipeline_touches_universal_and_its_stack(session):
    # universal creates a new function's repository before the publish stage pushes to it (finding 8)
    plan = deploy_plan(session.layout, Target("prod", "raw", "census"))
    assert str(plan) == "1. deploy universal\n2. deploy pipeline raw/census [prod]"


def test_unknown_environment_is_refused(session):
    with pytest.raises(ProjectError, match="Unknown environment 'dev'"):
        deploy_plan(session.layout, Target("dev"))


def test_destroy_is_the_reverse_and_keeps_universal(session):
    plan = destroy_plan(session.layout, Target("preprod"))
    assert plan.lines() == [
        "1. destroy pipeline raw/weather [preprod]",
        "2. destroy pipeline raw/census [preprod]",
        "3. destroy pipeline curated/report [preprod]",
        "4. destroy infra [preprod]",
    ]


def test_destroy_includes_universal_last_only_when_asked(session):
    plan = destroy_plan(session.layout, Target("preprod", include_universal=True))
    assert plan.lines()[-1] == "5. destroy universal"


def counts(*labels):
    live = set(labels)
    return lambda stack: 1 if stack.label in live else 0


def test_destroying_a_whole_environment_is_not_blocked_by_its_own_pipelines(session):
    plan = destroy_plan(session.layout, Target("prod"))
    live = counts("pipeline raw/census [prod]", "infra [prod]")
    assert blocking_stacks(session.layout, plan, live) == []


def test_universal_is_blocked_while_another_environment_is_deployed(session):
    plan = destroy_plan(session.layout, Target("preprod", include_universal=True))
    live = counts("infra [prod]", "pipeline raw/census [prod]", "pipeline raw/census [preprod]")
    blocking = blocking_stacks(session.layout, plan, live)
    assert [s.label for s in blocking] == ["infra [prod]", "pipeline raw/census [prod]"]
    with pytest.raises(DeployError) as error:
        refuse_if_blocked(plan, blocking)
    assert "Refusing to destroy: infra [prod], pipeline raw/census [prod]" in error.value.message
    assert "invoke destroy --env prod" in error.value.fix


def test_destroying_one_pipeline_is_never_blocked(session):
    plan = destroy_plan(session.layout, Target("prod", "raw", "census"))
    assert blocking_stacks(session.layout, plan, counts("infra [prod]", "universal")) == []


def test_a_deploy_plan_has_nothing_to_block(session):
    assert (
        blocking_stacks(session.layout, deploy_plan(session.layout, Target("prod")), counts("universal"))
        == []
    )
