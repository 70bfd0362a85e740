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
