"""The orchestration of preview/deploy/destroy/outputs over a recording fake runner."""

from dataclasses import replace

import pytest
from automation_helpers import FakeRunner, make_harness

from dorc_runtime.deploy.automation.commands import (
    resolve_target,
    run_deploy,
    run_destroy,
    run_outputs,
    run_preview,
)
from dorc_runtime.deploy.automation.plan import Target
from dorc_runtime.errors import DeployError, MissingToolError, ProjectError

ALL_PROD = [
    "universal",
    "infra [prod]",
    "pipeline curated/report [prod]",
    "pipeline raw/census [prod]",
    "pipeline raw/weather [prod]",
]


def test_deploy_with_yes_runs_up_on_every_stack_in_order(session):
    h = make_harness()
    results = run_deploy(session, Target("prod"), h.seams, yes=True)
    assert h.runner.calls == [("up", label) for label in ALL_PROD]
    assert [r.summary() for r in results] == ["1 create"] * 5
    assert h.progress.lines[:3] == [
        "start up universal",
        "done create holding",
        "finished universal: 1 create",
    ]
    printed = h.seams.console.export_text()
    assert "1. deploy universal" in printed and "2. deploy infra [prod]" in printed
    assert ".dorc/pulumi-state" in printed


def test_deploy_without_a_terminal_refuses_and_says_pass_yes(session):
    h = make_harness(interactive=False)
    with pytest.raises(DeployError) as error:
        run_deploy(session, Target("prod"), h.seams)
    assert "pass --yes" in error.value.fix
    assert h.runner.calls == []


def test_deploy_asks_on_a_terminal_and_stops_on_no(session):
    h = make_harness(interactive=True, answer=False)
    with pytest.raises(DeployError, match="cancelled; nothing was changed"):
        run_deploy(session, Target("preprod"), h.seams)
    assert h.asked == ["Deploy the 5 stack(s) above?"]
    assert h.runner.calls == []

    h = make_harness(interactive=True, answer=True)
    run_deploy(session, Target("preprod", "raw", "census"), h.seams)
    assert h.runner.calls == [("up", "universal"), ("up", "pipeline raw/census [preprod]")]


def test_prod_from_a_dirty_tree_is_refused_unless_allowed(session):
    h = make_harness(status=[" M src/raw/census/__main__.py", "?? .dorc/pulumi-state/x.json"])
    with pytest.raises(DeployError) as error:
        run_deploy(session, Target("prod"), h.seams, yes=True)
    assert "src/raw/census/__main__.py" in error.value.message
    assert ".dorc" not in error.value.message
    assert "--allow-dirty" in error.value.fix
    assert h.runner.calls == []
    run_deploy(session, Target("prod"), h.seams, yes=True, allow_dirty=True)
    run_deploy(session, Target("preprod"), h.seams, yes=True)
    assert len(h.runner.calls) == 10


def test_only_the_state_folder_changed_is_not_dirty(session):
    h = make_harness(status=["?? .dorc/"])
    run_deploy(session, Target("prod"), h.seams, yes=True)
    assert len(h.runner.calls) == 5


def test_failed_preflight_changes_nothing(session):
    h = make_harness()
    h.seams.probes = replace(h.seams.probes, aws_credentials_found=lambda: False)
    with pytest.raises(MissingToolError, match="No AWS credentials"):
        run_deploy(session, Target("prod"), h.seams, yes=True)
    assert h.runner.calls == []


def test_a_failing_stack_stops_the_deploy(session):
    h = make_harness(FakeRunner(fail_on="infra [prod]"))
    with pytest.raises(DeployError, match="pulumi up failed for the infra"):
        run_deploy(session, Target("prod"), h.seams, yes=True)
    assert h.runner.calls == [("up", "universal"), ("up", "infra [prod]")]


def test_preview_is_a_different_executor_over_the_deploy_plan(session):
    h = make_harness(FakeRunner(deployed={"infra [prod]": 12}), docker=False)
    run_preview(session, Target("prod"), h.seams)
    assert h.runner.calls == [("preview", label) for label in ALL_PROD]
    assert h.runner.deployed == {"infra [prod]": 12}
    assert "Skipping" not in h.seams.console.export_text()


def test_preview_of_a_never_deployed_project_skips_pipelines_with_one_line(session):
    """Pipelines read infra's outputs (StackReference.require_output); before infra exists there
    are none, so their previews would all fail. universal and infra are still previewed."""
    h = make_harness(docker=False)
    run_preview(session, Target("prod"), h.seams)
    assert h.runner.calls == [("preview", "universal"), ("preview", "infra [prod]")]
    printed = h.seams.console.export_text()
    assert (
        "Skipping the preview of 3 pipeline stack(s): infra [prod] is not deployed yet, so they have no "
        "outputs to read; 'invoke deploy --env prod' creates infra first, then them." in printed
    )
    h = make_harness(docker=False)
    run_preview(session, Target("prod", "raw", "census"), h.seams)
    # deploy --pipeline runs universal first (its repositories), so its preview shows universal too
    assert h.runner.calls == [("preview", "universal")]
    assert "Skipping the preview of 1 pipeline stack(s)" in h.seams.console.export_text()


def test_destroy_an_environment_in_reverse_order(session):
    runner = FakeRunner(deployed={label: 1 for label in ALL_PROD})
    h = make_harness(runner)
    run_destroy(session, Target("prod"), h.seams, yes=True)
    assert h.runner.calls == [("destroy", label) for label in reversed(ALL_PROD[1:])]
    assert runner.deployed == {"universal": 1}


def test_destroy_universal_is_refused_while_an_environment_is_deployed(session):
    runner = FakeRunner(deployed={"universal": 1, "infra [preprod]": 1, "pipeline raw/census [preprod]": 1})
    h = make_harness(runner)
    with pytest.raises(DeployError, match=r"infra \[preprod\], pipeline raw/census \[preprod\] still exist"):
        run_destroy(session, Target("prod", include_universal=True), h.seams, yes=True)
    assert h.runner.calls == []


def test_destroy_needs_confirmation_too(session):
    h = make_harness(interactive=False)
    with pytest.raises(DeployError, match="Destroy needs confirmation"):
        run_destroy(session, Target("prod", "raw", "census"), h.seams)


def test_outputs_come_from_the_runner(session):
    h = make_harness()
    stack = session.layout.infra("prod")
    assert run_outputs(session, stack, h.seams)["holding_bucket"] == "census-demo-prod-holding"
    assert h.runner.calls == [("outputs", "infra [prod]")]


def test_resolve_target(project):
    assert resolve_target(project, "prod", "census", None) == Target("prod", "raw", "census")
    with pytest.raises(ProjectError, match="no pipeline 'nope'"):
        resolve_target(project, "prod", "nope", None)
    with pytest.raises(DeployError, match="--layer only makes sense"):
        resolve_target(project, "prod", None, "raw")


# -- the publish stage (images) runs between universal and the pipeline stacks -------------------
def _recording_publish(h):
    def publish(session, plan):
        from dorc_runtime.deploy.automation.commands import pipelines_of

        h.runner.calls.append(("publish", " ".join(f"{layer}/{name}" for layer, name in pipelines_of(plan))))

    return replace(h.seams, publish=publish)


def test_deploy_publishes_images_after_universal_and_infra_before_the_pipelines(session):
    h = make_harness()
    run_deploy(session, Target("prod"), _recording_publish(h), yes=True)
    assert h.runner.calls == [
        ("up", "universal"),
        ("up", "infra [prod]"),
        ("publish", "curated/report raw/census raw/weather"),
        ("up", "pipeline curated/report [prod]"),
        ("up", "pipeline raw/census [prod]"),
        ("up", "pipeline raw/weather [prod]"),
    ]


def test_deploy_of_one_pipeline_publishes_what_it_needs_after_universal(session):
    h = make_harness()
    run_deploy(session, Target("prod", "raw", "census"), _recording_publish(h), yes=True)
    assert h.runner.calls == [("up", "universal"), ("publish", "raw/census"), ("up", "pipeline raw/census [prod]")]


def test_preview_and_destroy_publish_nothing(session):
    h = make_harness()
    seams = _recording_publish(h)
    run_preview(session, Target("prod"), seams)
    run_destroy(session, Target("prod"), seams, yes=True)
    assert not [call for call in h.runner.calls if call[0] == "publish"]


def test_a_failed_publish_stops_before_any_pipeline_stack(session):
    h = make_harness()

    def publish(session, plan):
        raise DeployError("Pushing x failed: denied", "check the credentials")

    with pytest.raises(DeployError, match="Pushing x failed"):
        run_deploy(session, Target("prod"), replace(h.seams, publish=publish), yes=True)
    assert h.runner.calls == [("up", "universal"), ("up", "infra [prod]")]
