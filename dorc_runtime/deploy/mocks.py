"""Pulumi unit-test mocks that record every resource a program registers.

The recorded inputs are the plan; the returned state only has to be plausible enough for the
program to go on (ARNs, ids, repository URLs in AWS's formats). StackReferences answer with the
outputs of stacks planned earlier, so a pipeline sees its universal and infra stacks as deploy would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pulumi

from ..naming import Arns, iam_role_arn, s3_bucket_arn, short_hash

STACK_REFERENCE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class Registration:
    type: str
    name: str
    inputs: dict[str, Any]
    custom: bool
    urn: str = ""
    parent: str = ""
    dependencies: tuple[str, ...] = ()  # URNs this resource waits for (depends_on and inputs)
    retain_on_delete: bool = False  # removed from the stack, the resource stays in AWS


def physical_name(typ: str, inputs: dict[str, Any]) -> str | None:
    for key in ("name", "bucket"):
        value = inputs.get(key)
        if isinstance(value, str):
            return value
    return None


def _service(typ: str) -> str:
    return typ.split(":")[1].split("/")[0]


def mock_state(typ: str, name: str, inputs: dict[str, Any], region: str, account: str) -> tuple[str, dict]:
    """(id, state) for one resource, in AWS's formats."""
    physical = physical_name(typ, inputs) or name
    state = dict(inputs)
    arns = Arns(region, account)
    # types not listed get a plausible ARN of their service; the plan never reads those
    arn = f"arn:aws:{_service(typ)}:{region}:{account}:{physical}"
    ident = physical
    if typ == "aws:ecr/repository:Repository":
        arn = arns.ecr_repository(physical)
        state["repositoryUrl"] = arns.ecr_repository_url(physical)
    elif typ == "aws:s3/bucket:Bucket":
        arn = s3_bucket_arn(physical)
    elif typ == "aws:sns/topic:Topic":
        arn = arns.sns_topic(physical)
    elif typ == "aws:iam/role:Role":
        arn = iam_role_arn(account, physical)
    elif typ == "aws:lambda/function:Function":
        arn = arns.lambda_function(physical)
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        arn = arns.log_group(physical)
    elif typ == "aws:sfn/stateMachine:StateMachine":
        arn = arns.state_machine(physical)
        ident = arn
    elif typ == "aws:cloudwatch/eventRule:EventRule":
        arn = arns.event_rule(physical)
    elif typ == "aws:ec2/securityGroup:SecurityGroup":
        ident = f"sg-{short_hash(physical, 17)}"
        arn = arns.ec2("security-group", ident)
    state.setdefault("arn", arn)
    return ident, state


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str, account: str, stack_outputs: dict[str, dict[str, Any]]) -> None:
        self.region = region
        self.account = account
        self.stack_outputs = stack_outputs
        self.registrations: list[Registration] = []
        self._lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == STACK_REFERENCE:
            stack = args.inputs["name"]
            return stack, {"name": stack, "outputs": self.stack_outputs.get(stack, {}), "secretOutputNames": []}
        return mock_state(args.typ, args.name, args.inputs, self.region, self.account)

    def record(self, registration: Registration) -> None:
        with self._lock:  # the engine registers from worker threads
            self.registrations.append(registration)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account, "arn": f"arn:aws:iam::{self.account}:root", "userId": "mock"}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}
        return {}


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """The mock monitor, also keeping each registration's parent and dependencies (which
    :class:`~pulumi.runtime.Mocks` alone never sees) so tests can check ordering."""

    mocks: RecordingMocks

    def RegisterResource(self, request):  # noqa: N802 - the engine's RPC name
        response = super().RegisterResource(request)
        if request.type not in (STACK_REFERENCE, "pulumi:pulumi:Stack"):
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            self.mocks.record(
                Registration(
                    type=request.type,
                    name=request.name,
                    inputs=dict(inputs),
                    custom=bool(request.custom),
                    urn=response.urn,
                    parent=request.parent,
                    dependencies=tuple(sorted(set(request.dependencies))),
                    retain_on_delete=bool(request.retainOnDelete),
                )
            )
        return response
