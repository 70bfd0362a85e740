"""Run a state machine through moto's own Step Functions interpreter, with Lambda answered by
the test's Python handlers.

moto's Docker-free Lambda ("lambda": {"use_docker": False}) answers invoke from a queue filled via
``POST /moto-api/static/lambda-simple/response``, but that queue can only hold successful payloads
(it never sets ``X-Amz-Function-Error``), so failures, retries and catches could not be compared.
The harness instead replaces the simple backend's ``invoke`` for the duration of a run with one
that answers exactly as Lambda does (``lambda_response``: the handler's result, or its error
document flagged ``Unhandled``). Everything else - parsing, paths, retry, catch, Parallel, Map,
startExecution.sync:2 - is moto's.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws
from moto.awslambda_simple.models import LambdaSimpleBackend

from dorc_runtime.local.interpreter import lambda_response

REGION = "us-east-1"
ACCOUNT = "123456789012"
LAMBDA_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}

Handler = Callable[[Any, Any], Any]


class FixedContext:
    """The same Lambda context on both sides, so error documents (requestId) compare equal."""

    aws_request_id = "parity-request"
    function_version = "$LATEST"
    memory_limit_in_mb = 128

    def __init__(self, function_arn: str = "", timeout: float | None = None) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.rsplit(":", 1)[-1]

    def get_remaining_time_in_millis(self) -> int:
        return 1000


@dataclass
class Outcome:
    status: str
    output: Any
    error: str | None
    cause: str | None


def _function_name(arn: str) -> str:
    return arn.rsplit(":function:", 1)[-1].split(":")[0]


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def run_in_moto(
    definition: dict[str, Any],
    handlers: Mapping[str, Handler],
    execution_input: Any,
    children: Mapping[str, dict[str, Any]] | None = None,
    poll_timeout: float = 30.0,
) -> Outcome:
    """``children``: other state machines by name (for startExecution.sync:2), sharing ``handlers``."""
    by_name = {_function_name(arn): fn for arn, fn in handlers.items()}

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: dict) -> bytes:
        event = body.decode() if isinstance(body, bytes) else (body or "{}")
        ok, text = lambda_response(by_name[_function_name(function_name)], event, FixedContext(function_name))
        if not ok:
            response_headers["x-amz-function-error"] = "Unhandled"
        return text.encode()

    with mock_aws(config=MOTO_CONFIG), mock.patch.object(LambdaSimpleBackend, "invoke", invoke):
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="parity", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lambdas = boto3.client("lambda", region_name=REGION)
        for name in by_name:
            lambdas.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                    Handler="lambda_function.handler", Code={"ZipFile": _code()})
        sfn = boto3.client("stepfunctions", region_name=REGION)
        for name, child in (children or {}).items():
            sfn.create_state_machine(name=name, definition=json.dumps(child), roleArn=role)
        machine = sfn.create_state_machine(name="parity", definition=json.dumps(definition), roleArn=role)
        execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(execution_input))
        deadline = time.monotonic() + poll_timeout
        while True:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.01)
    output = described.get("output")
    return Outcome(described["status"], json.loads(output) if output is not None else None,
                   described.get("error"), described.get("cause"))
