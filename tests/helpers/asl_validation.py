"""Validate ASL with an independent checker: cfn-lint's Step Functions definition schema.

The state machine is wrapped in a minimal CloudFormation template (an
``AWS::StepFunctions::StateMachine`` with the ASL as ``Definition``) and linted with cfn-lint's
Python API; any match is a problem. Shared by the builder tests and deploy's tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cfnlint.api import ManualArgs, lint


def asl_problems(definition: Mapping[str, Any], region: str = "us-east-1") -> list[str]:
    return lint_state_machines({"Machine": definition}, region)["Machine"]


def lint_state_machines(definitions: Mapping[str, Mapping[str, Any]], region: str = "us-east-1") -> dict[str, list[str]]:
    """Problems per state machine; one cfn-lint run (~0.5 s) for all of them. Keys: alphanumeric."""
    resources: dict[str, Any] = {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
        }
    }
    for key, definition in definitions.items():
        resources[key] = {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"Definition": definition, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}},
        }
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    problems: dict[str, list[str]] = {key: [] for key in definitions}
    for match in lint(json.dumps(template), config=ManualArgs(regions=[region])):
        path = [str(p) for p in match.path]
        key = path[1] if len(path) > 1 and path[1] in problems else next(iter(problems))
        problems[key].append(f"{match.rule.id} {match.message} ({'/'.join(path)})")
    return problems


def assert_valid_asl(definition: Mapping[str, Any]) -> None:
    problems = asl_problems(definition)
    assert not problems, "cfn-lint rejects the state machine:\n" + "\n".join(problems)
