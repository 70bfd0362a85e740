"""The seed's .env variables: real environment variables take precedence over the file."""

from dorc_runtime.settings import load_environment


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
