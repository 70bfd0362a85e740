"""Which environment a command is for: explicit > DORC_ENVIRONMENT > (Pulumi config)."""

import pytest

from dorc_runtime.environment import current_environment, select
from dorc_runtime.errors import ProjectError
from dorc_runtime.models import Config, UniversalConfig

UNIVERSAL = UniversalConfig(region="eu-west-2", project="pipeline-config")
ENVIRONMENTS = {"preprod": Config(universal=UNIVERSAL), "prod": Config(universal=UNIVERSAL, vpc_id="vpc-1")}


def test_explicit_argument_wins_over_variable(monkeypatch):
    monkeypatch.setenv("DORC_ENVIRONMENT", "preprod")
    assert current_environment("prod") == "prod"


def test_variable_is_used_when_no_argument(monkeypatch):
    monkeypatch.setenv("DORC_ENVIRONMENT", "preprod")
    assert current_environment() == "preprod"


def test_select_returns_that_environments_config_with_its_name(monkeypatch):
    monkeypatch.delenv("DORC_ENVIRONMENT", raising=False)
    chosen = select(ENVIRONMENTS, "prod")
    assert chosen.environment == "prod"
    assert chosen.vpc_id == "vpc-1"


def test_select_unknown_environment_names_the_choices(monkeypatch):
    monkeypatch.delenv("DORC_ENVIRONMENT", raising=False)
    with pytest.raises(ProjectError) as caught:
        select(ENVIRONMENTS, "staging")
    assert "['preprod', 'prod']" in str(caught.value)


def test_select_without_any_environment_says_how_to_choose(monkeypatch):
    monkeypatch.delenv("DORC_ENVIRONMENT", raising=False)
    with pytest.raises(ProjectError) as caught:
        select(ENVIRONMENTS)
    assert "--env" in str(caught.value)
