"""The public models keep the seed's names and call shapes, and validate their input."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dorc_runtime import (
    Config,
    CronTrigger,
    Function,
    NextFunction,
    NextFunctionTypes,
    PipelineDefinition,
    S3Trigger,
    UniversalConfig,
)

MAIN = Path("/project/src/raw/census/__main__.py")


def test_seed_call_shapes() -> None:
    universal = UniversalConfig(region="eu-west-2", project="ExampleDorc", tags={"project": "example-dorc"})
    assert universal.slug == "exampledorc"
    config = Config(universal=universal, vpc_id="vpc-1", private_subnet_ids=["subnet-1"])
    assert config.private_subnet_ids == ("subnet-1",)
    definition = PipelineDefinition(
        file_path=MAIN, description="Pulls raw census data from API", functions=[Function(name="function1")]
    )
    assert (definition.layer, definition.name) == ("raw", "census")
    assert definition.project_root == Path("/project")
    assert definition.trigger is None and definition.triggers == ()


def test_universal_config_rules() -> None:
    for bad in (
        dict(region="London", project="p"),
        dict(region="eu-west-2", project="p", account="123"),
        dict(region="eu-west-2", project="p", environments=()),
        dict(region="eu-west-2", project="p", environments=("prod", "prod")),
        dict(region="eu-west-2", project="p", python_version="2.7"),
        dict(region="eu-west-2", project="p", unknown=1),
    ):
        with pytest.raises(ValidationError):
            UniversalConfig(**bad)
    assert UniversalConfig(region="eu-west-2", project="p", account="").account is None


def test_config_rules() -> None:
    universal = UniversalConfig(region="eu-west-2", project="p")
    with pytest.raises(ValidationError, match="need vpc_id"):
        Config(universal=universal, private_subnet_ids=("subnet-1",))
    assert Config(universal=universal).with_environment("prod").environment == "prod"
    with pytest.raises(ValidationError):
        Config(universal=universal, environment="Prod")


def test_function_and_next_steps() -> None:
    assert Function(name="a").next_steps == ()
    assert Function(name="a", next_function="b").next_steps == (NextFunction(name="b"),)
    downstream = NextFunction(name="census", type=NextFunctionTypes.PIPELINE, layer="processed")
    assert Function(name="a", next_function=["b", downstream]).next_steps[1] == downstream
    with pytest.raises(ValidationError):
        Function(name="Bad Name")
    with pytest.raises(ValidationError):
        Function(name="a", memory_mb=64)
    with pytest.raises(ValidationError, match="only for type=PIPELINE"):
        NextFunction(name="b", layer="raw")


def test_definition_graph_is_checked() -> None:
    with pytest.raises(ValidationError, match="not a function of this pipeline"):
        PipelineDefinition(file_path=MAIN, functions=[Function(name="a", next_function="ghost")])
    with pytest.raises(ValidationError, match="cycle"):
        PipelineDefinition(
            file_path=MAIN,
            functions=[Function(name="a", next_function="b"), Function(name="b", next_function="a")],
        )
    with pytest.raises(ValidationError):
        PipelineDefinition(file_path=MAIN, functions=[])


def test_triggers() -> None:
    assert CronTrigger(expression="0 6 * * ? *").expression == "cron(0 6 * * ? *)"
    assert CronTrigger(expression="rate(1 day)").expression == "rate(1 day)"
    with pytest.raises(ValidationError, match="six fields"):
        CronTrigger(expression="0 6 * * *")
    definition = PipelineDefinition(
        file_path=MAIN,
        functions=[Function(name="a")],
        trigger=[CronTrigger(expression="cron(0 6 * * ? *)"), S3Trigger(prefix="in/")],
    )
    assert len(definition.triggers) == 2


def test_cron_trigger_takes_the_expression_positionally_or_by_keyword():
    from dorc_runtime.models import CronTrigger

    assert CronTrigger("0 6 * * ? *") == CronTrigger(expression="cron(0 6 * * ? *)")
    assert CronTrigger("rate(1 day)").expression == "rate(1 day)"


def test_log_retention_days_only_takes_what_cloudwatch_accepts() -> None:
    # PutRetentionPolicy's retentionInDays:
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
    allowed = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
    universal = UniversalConfig(region="eu-west-2", project="p")
    for days in allowed:
        assert Config(universal=universal, log_retention_days=days).log_retention_days == days
    for bad in (0, 2, 45, 366, 3654, -1):
        with pytest.raises(ValidationError) as error:
            Config(universal=universal, log_retention_days=bad)
        message = str(error.value)
        assert f"log_retention_days={bad} is not a retention CloudWatch Logs accepts" in message
        assert "use one of 1, 3, 5, 7, 14, 30" in message


def test_log_retention_values_match_botocores_service_model() -> None:
    """botocore has no enum for the values, only their list in the API docs: the same list."""
    import re

    import botocore.session

    from dorc_runtime.models.config import LOG_RETENTION_DAYS

    doc = botocore.session.get_session().get_service_model("logs").shape_for("Days").documentation
    listed = doc.split("Possible values are:", 1)[1].split(".", 1)[0]
    assert tuple(int(n) for n in re.findall(r"\d+", listed)) == LOG_RETENTION_DAYS


def test_a_bad_setting_in_project_settings_is_one_line(tmp_path) -> None:
    from dorc_runtime.errors import ProjectError
    from dorc_runtime.project import Project

    (tmp_path / "project_settings.py").write_text(
        "from dorc_runtime import Config, UniversalConfig\n"
        "UNIVERSAL = UniversalConfig(region='eu-west-2', project='p')\n"
        "ENVIRONMENTS = {'prod': Config(universal=UNIVERSAL, log_retention_days=45)}\n"
    )
    with pytest.raises(ProjectError) as error:
        Project(tmp_path).settings()
    assert "\n" not in error.value.message
    assert "log_retention_days: log_retention_days=45 is not a retention CloudWatch Logs accepts" in error.value.message
