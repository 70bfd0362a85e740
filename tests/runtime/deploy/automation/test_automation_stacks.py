import sys

from dorc_runtime.deploy.automation.backend import select_backend
from dorc_runtime.deploy.automation.stacks import program_environment


def test_program_environment_for_a_pipeline_stack(session):
    layout = session.layout
    stack = layout.pipeline("prod", "raw", "census")
    env = program_environment(
        layout, stack, session.backend, "secret", "/venv/bin/python", {"PYTHONPATH": "/extra"}
    )
    assert env == {
        "PYTHONPATH": f"{layout.root}:/extra",
        "PULUMI_BACKEND_URL": f"file://{layout.root.resolve()}/.dorc/pulumi-state",
        "AWS_REGION": "eu-west-2",
        "PULUMI_PYTHON_CMD": "/venv/bin/python",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "DORC_ENVIRONMENT": "prod",
        "PULUMI_CONFIG_PASSPHRASE": "secret",
    }


def test_universal_has_no_environment_and_a_chosen_python_is_kept(session):
    layout = session.layout
    backend = select_backend(session.settings.model_copy(update={"INFRA_BUCKET": "state"}), layout.root)
    env = program_environment(
        layout, layout.universal(), backend, None, sys.executable, {"PULUMI_PYTHON_CMD": "py3"}
    )
    assert "DORC_ENVIRONMENT" not in env and "PULUMI_CONFIG_PASSPHRASE" not in env
    assert env["PULUMI_BACKEND_URL"] == "s3://state"
    assert env["PULUMI_PYTHON_CMD"] == "py3"
    assert env["PYTHONPATH"] == str(layout.root)


def test_the_project_region_wins_over_the_shells(project):
    from automation_helpers import settings

    from dorc_runtime.deploy.automation.commands import Session

    session = Session.open(project, settings(AWS_REGION="us-east-1"))
    assert session.layout.region == "eu-west-2"
