"""A deployed-looking pipeline in moto: the state machine and log group named as deploy names them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import boto3

from dorc_runtime.project import Project

REGION = "eu-west-2"
ACCOUNT = "123456789012"  # moto's

SETTINGS = """
from dorc_runtime import Config, UniversalConfig
from dorc_runtime.environment import select

UNIVERSAL = UniversalConfig(region="eu-west-2", project="Census Demo", environments=("preprod", "prod"))
ENVIRONMENTS = {env: Config(universal=UNIVERSAL) for env in UNIVERSAL.environments}


def config(environment=None):
    return select(ENVIRONMENTS, environment)
"""

PIPELINE = """
from dorc_runtime import Function, PipelineDefinition

pipeline_definition = PipelineDefinition(
    file_path=__file__, functions=[Function(name="fetch", next_function="clean"), Function(name="clean")]
)
"""

PASSING = {
    "StartAt": "fetch",
    "States": {
        "fetch": {"Type": "Pass", "Result": {"rows": 3}, "ResultPath": "$.fetch", "Next": "clean"},
        "clean": {"Type": "Pass", "End": True},
    },
}
FAILING = {
    "StartAt": "fetch",
    "States": {
        "fetch": {"Type": "Pass", "Next": "clean"},
        "clean": {"Type": "Fail", "Error": "ValueError", "Cause": "year 1800 is too early"},
    },
}


def write_project(root: Path) -> Project:
    folder = root / "src" / "raw" / "census"
    for function in ("fetch", "clean"):
        (folder / "src" / function).mkdir(parents=True)
        (folder / "src" / function / "lambda.py").write_text(
            "def handler(event, context):\n    return event\n"
        )
    (folder / "__main__.py").write_text(textwrap.dedent(PIPELINE))
    (root / "project_settings.py").write_text(textwrap.dedent(SETTINGS))
    return Project(root)


def deploy_state_machine(name: str, definition: dict) -> str:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn"
    )["stateMachineArn"]
