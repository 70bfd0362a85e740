"""A deployed-looking pipeline in moto: the state machine and log group named as deploy names them."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from dorc_runtime.project import Project
from tests.helpers.projects import ECHO_HANDLER, write_pipeline, write_settings

REGION = "eu-west-2"
ACCOUNT = "123456789012"  # moto's

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
    write_settings(root, "Census Demo", ("preprod", "prod"))
    functions = 'Function(name="fetch", next_function="clean"), Function(name="clean")'
    write_pipeline(root, "raw", "census", functions, {"fetch": ECHO_HANDLER, "clean": ECHO_HANDLER})
    return Project(root)


def deploy_state_machine(name: str, definition: dict) -> str:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn"
    )["stateMachineArn"]
