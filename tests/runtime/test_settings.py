"""The seed's .env variables and the one resolution of every setting (dorc_runtime.settings)."""

import pytest

from dorc_runtime.errors import ProjectError
from dorc_runtime.settings import load_environment, program_account, resolve_settings
from tests.helpers.projects import settings_source


def test_env_file_values_and_seed_defaults(tmp_path, monkeypatch):
    for name in ("AWS_ACCOUNT", "AWS_REGION", "INFRA_BUCKET", "UNIVERSAL_STACK_NAME", "INFRA_STACK_NAME"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("AWS_ACCOUNT=123456789012\nINFRA_BUCKET=my-state\n")
    env = load_environment(tmp_path)
    assert env.AWS_ACCOUNT == "123456789012"
    assert env.INFRA_BUCKET == "my-state"
    assert env.UNIVERSAL_STACK_NAME == "universal"
    assert env.INFRA_STACK_NAME == "infra"


def test_environment_variable_beats_env_file(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("AWS_REGION=eu-west-1\n")
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert load_environment(tmp_path).AWS_REGION == "eu-west-2"


def test_passphrase_is_kept_secret_in_reprs(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "hunter2")
    env = load_environment(tmp_path)
    assert "hunter2" not in repr(env)
    assert env.PULUMI_CONFIG_PASSPHRASE.get_secret_value() == "hunter2"


# -- resolution: explicit > environment variable > .env > project_settings.py --------------------


def _project(root, account=None, env_file=None):
    source = settings_source("Census Demo", ("preprod", "prod"))
    if account:
        source = source.replace("environments=", f"account={account!r}, environments=")
    (root / "src").mkdir(parents=True)
    (root / "project_settings.py").write_text(source)
    if env_file is not None:
        (root / ".env").write_text(env_file)
    return root


def test_account_resolution_order_and_its_source(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCOUNT", raising=False)
    root = _project(tmp_path / "p", account="111111111111", env_file="AWS_ACCOUNT=222222222222\n")
    resolved = resolve_settings(root)
    assert (resolved.account.id, resolved.account.source) == ("222222222222", "AWS_ACCOUNT in .env")
    monkeypatch.setenv("AWS_ACCOUNT", "333333333333")
    resolved = resolve_settings(root)
    assert (resolved.account.id, resolved.account.source) == ("333333333333", "AWS_ACCOUNT in the environment")
    resolved = resolve_settings(root, account="444444444444")
    assert (resolved.account.id, resolved.account.source) == ("444444444444", "the command line")
    monkeypatch.delenv("AWS_ACCOUNT")
    (root / ".env").write_text("AWS_ACCOUNT=\n")  # empty, as in .env.example: unset
    resolved = resolve_settings(root)
    assert (resolved.account.id, resolved.account.source) == (
        "111111111111",
        "UNIVERSAL.account in project_settings.py",
    )
    assert resolved.region == "eu-west-2" and resolved.universal.slug == "census-demo"
    assert list(resolved.environments) == ["preprod", "prod"]


def test_no_account_anywhere_is_none_not_a_guess(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCOUNT", raising=False)
    resolved = resolve_settings(_project(tmp_path / "p"))
    assert resolved.account.id is None and resolved.account.source == ""


def test_a_malformed_account_is_refused_naming_where_it_came_from(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCOUNT", raising=False)
    root = _project(tmp_path / "p", env_file="AWS_ACCOUNT=12345\n")
    with pytest.raises(ProjectError) as error:
        resolve_settings(root)
    assert error.value.message == "The AWS account id '12345' (AWS_ACCOUNT in .env) is not 12 digits."
    assert "12-digit" in error.value.fix


def test_the_region_is_the_projects_whatever_the_shell_says(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # e.g. set per profile by aws-vault
    root = _project(tmp_path / "p", env_file="AWS_REGION=ap-south-1\n")
    assert resolve_settings(root).region == "eu-west-2"


def test_stack_folders_come_from_env_settings(tmp_path, monkeypatch):
    for name in ("UNIVERSAL_STACK_NAME", "INFRA_STACK_NAME"):
        monkeypatch.delenv(name, raising=False)
    root = _project(tmp_path / "p", env_file="INFRA_STACK_NAME=platform\n")
    resolved = resolve_settings(root)
    assert resolved.infra_dir == root / "platform" and resolved.universal_dir == root / "universal"


def test_a_program_finds_the_projects_env_file_from_its_folder(tmp_path, monkeypatch):
    """A Pulumi program runs in its own folder (infra/, src/<layer>/<pipeline>/): the same .env."""
    monkeypatch.delenv("AWS_ACCOUNT", raising=False)
    root = _project(tmp_path / "p", env_file="AWS_ACCOUNT=222222222222\n")
    program = root / "src" / "raw" / "census"
    program.mkdir(parents=True)
    assert program_account(None, program).id == "222222222222"
    monkeypatch.setenv("AWS_ACCOUNT", "555555555555")  # what invoke deploy passes: it wins
    assert program_account("111111111111", program).id == "555555555555"
    monkeypatch.delenv("AWS_ACCOUNT")
    assert program_account("111111111111", tmp_path).id == "111111111111"  # outside any project


def test_env_example_names_exactly_the_variables_dorc_reads_and_works_as_is(tmp_path, monkeypatch):
    from pathlib import Path

    from dorc_runtime.settings import DorcEnvironment

    example = Path(__file__).parents[2] / "{{cookiecutter.project_slug}}" / ".env.example"
    text = example.read_text()
    names = [line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert sorted(names) == sorted(DorcEnvironment.model_fields)
    for name in names:
        monkeypatch.delenv(name, raising=False)
    root = _project(tmp_path / "p", env_file=text)  # copied unchanged: every empty value is unset
    resolved = resolve_settings(root)
    assert resolved.account.id is None and resolved.env.INFRA_BUCKET in (None, "")
