"""The account reaches every Pulumi program, and credentials for another account are refused.

The finding: AWS_ACCOUNT in .env reached only ``invoke plan``, so a default bake (no account in
project_settings.py) failed at the infra stack after universal was deployed. Now the account is
resolved once (dorc_runtime.settings), else taken from the credentials (STS GetCallerIdentity),
checked before any stack is touched, and passed to every program in AWS_ACCOUNT.
"""

import pytest
from automation_helpers import CREDENTIALS_ACCOUNT, all_present_probes, make_harness, settings
from moto import mock_aws

from dorc_runtime.deploy.automation.commands import Session, run_deploy, run_destroy, run_preview
from dorc_runtime.deploy.automation.plan import Target
from dorc_runtime.deploy.automation.preflight import system_probes
from dorc_runtime.deploy.automation.stacks import program_environment
from dorc_runtime.errors import MissingToolError


def test_the_env_files_account_reaches_every_program(project, monkeypatch):
    monkeypatch.delenv("AWS_ACCOUNT", raising=False)
    (project.root / ".env").write_text(f"AWS_ACCOUNT={CREDENTIALS_ACCOUNT}\nPULUMI_CONFIG_PASSPHRASE=pw\n")
    from dorc_runtime.settings import load_environment

    session = Session.open(project, load_environment(project.root))
    h = make_harness()
    run_deploy(session, Target("prod"), h.seams, yes=True)
    (layout,) = h.layouts
    assert (layout.account.id, layout.account.source) == (CREDENTIALS_ACCOUNT, "AWS_ACCOUNT in .env")
    for stack in (layout.universal(), layout.infra("prod"), layout.pipeline("prod", "raw", "census")):
        env = program_environment(layout, stack, session.backend, "pw", "python3", {})
        assert env["AWS_ACCOUNT"] == CREDENTIALS_ACCOUNT


def test_without_a_configured_account_the_credentials_account_is_used(session):
    assert session.layout.account.id is None
    h = make_harness()
    run_preview(session, Target("prod"), h.seams)
    (layout,) = h.layouts
    assert layout.account.id == CREDENTIALS_ACCOUNT
    assert layout.account.source == "your AWS credentials (sts get-caller-identity)"
    env = program_environment(layout, layout.infra("prod"), session.backend, "pw", "python3", {})
    assert env["AWS_ACCOUNT"] == CREDENTIALS_ACCOUNT


@pytest.mark.parametrize("command", [run_deploy, run_destroy, run_preview])
def test_credentials_for_another_account_are_refused_before_anything_runs(project, monkeypatch, command):
    monkeypatch.setenv("AWS_ACCOUNT", "999999999999")
    session = Session.open(project, settings())
    h = make_harness(runner=None)
    kwargs = {} if command is run_preview else {"yes": True}
    with pytest.raises(MissingToolError) as error:
        command(session, Target("prod"), h.seams, **kwargs)
    assert error.value.message == (
        f"The AWS credentials are for account {CREDENTIALS_ACCOUNT}, but AWS_ACCOUNT in the environment "
        "says 999999999999. Nothing was changed."
    )
    assert "aws-vault exec" in error.value.fix
    assert h.runner.calls == [] and h.layouts == []


def test_the_real_probe_asks_sts_against_moto(monkeypatch):
    """STS GetCallerIdentity returns the account of the calling credentials:
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654321")
    with mock_aws():
        assert system_probes().caller_account("eu-west-2") == "210987654321"


def test_a_real_mismatch_against_moto_is_one_clear_line(project, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654321")
    monkeypatch.setenv("AWS_ACCOUNT", "123456789012")
    probes = system_probes()
    present = all_present_probes()
    h = make_harness()
    h.seams.probes = type(probes)(
        which=present.which,
        docker_engine_running=present.docker_engine_running,
        aws_credentials_found=probes.aws_credentials_found,
        bucket_problem=present.bucket_problem,
        caller_account=probes.caller_account,
    )
    session = Session.open(project, settings())
    with mock_aws(), pytest.raises(MissingToolError) as error:
        run_deploy(session, Target("preprod"), h.seams, yes=True)
    assert "credentials are for account 210987654321, but AWS_ACCOUNT in the environment says 123456789012" in (
        error.value.message
    )
    assert "\n" not in error.value.message
    assert h.runner.calls == []


def test_sts_failing_is_a_problem_not_a_guess(session):
    from dataclasses import replace

    h = make_harness()
    h.seams.probes = replace(all_present_probes(), caller_account=lambda region: None)
    with pytest.raises(MissingToolError, match="STS GetCallerIdentity failed"):
        run_deploy(session, Target("prod"), h.seams, yes=True)
    assert h.runner.calls == []
