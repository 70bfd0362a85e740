"""IAM policy documents, built by pure functions so that every one can be printed and audited.

Inputs are names and ARNs (from :mod:`dorc_runtime.naming`); outputs are plain dicts. Nothing here
talks to AWS or Pulumi. ``Resource: "*"`` appears only where AWS offers no resource-level
permission, and each such statement says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..naming import SYNC_EXECUTION_RULE, Arns, execution_arn, express_execution_arn

VERSION = "2012-10-17"

Policy = dict[str, Any]
Statement = dict[str, Any]


def document(*statements: Statement) -> Policy:
    return {"Version": VERSION, "Statement": list(statements)}


def statement(sid: str, actions: Iterable[str], resources: Iterable[str] | str, **extra: Any) -> Statement:
    resource_list = [resources] if isinstance(resources, str) else sorted(set(resources))
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(set(actions)),
        "Resource": resource_list[0] if len(resource_list) == 1 else resource_list,
        **extra,
    }


# -- trust policies -------------------------------------------------------------------------------
def assume_role_policy(service: str, account: str | None = None) -> Policy:
    """Who may assume a role: one AWS service, optionally only on behalf of our own account."""
    trust: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if account:
        # confused-deputy guard: the service may assume the role only for this account's resources
        trust["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    return document(trust)


# -- Lambda functions -----------------------------------------------------------------------------
def vpc_network_statements(region: str, account: str, subnet_ids: Iterable[str], security_group_ids: Iterable[str]) -> list[Statement]:
    """What Lambda needs to attach a function to our subnets with our security group."""
    arns = Arns(region, account)
    interfaces = arns.ec2("network-interface", "*")
    attach_to = [
        interfaces,
        *(arns.ec2("subnet", s) for s in subnet_ids),
        *(arns.ec2("security-group", g) for g in security_group_ids),
    ]
    return [
        statement("CreateVpcInterfaces", ["ec2:CreateNetworkInterface"], attach_to),
        statement(
            "ManageVpcInterfaces",
            ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            interfaces,
        ),
        # EC2 Describe* calls have no resource-level permissions: AWS requires Resource "*".
        statement("DescribeVpcInterfaces", ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], "*"),
    ]


def lambda_policy(
    log_group_arns: Iterable[str], holding_bucket_arn: str, vpc: Iterable[Statement] = ()
) -> Policy:
    """A pipeline's Lambda role: write its own log groups, read and write the holding store
    (and, for VPC functions, the network statements of :func:`vpc_network_statements`)."""
    log_groups = list(log_group_arns)
    return document(
        statement("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{arn}:*" for arn in log_groups]),
        statement("ListHoldingStore", ["s3:ListBucket"], holding_bucket_arn),
        statement(
            "ReadWriteHoldingStore",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            f"{holding_bucket_arn}/*",
        ),
        *vpc,
    )


# -- Step Functions ---------------------------------------------------------------------------------
# Vended-log delivery to CloudWatch Logs: these actions do not support resource-level
# permissions, so AWS requires Resource "*" (Step Functions user guide, "IAM policies for logging").
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)


def state_machine_policy(
    lambda_arns: Iterable[str],
    downstream_state_machine_arns: Iterable[str] = (),
    *,
    wait_for_downstream: bool = False,
    region: str | None = None,
    account: str | None = None,
) -> Policy:
    """A pipeline's state-machine role: invoke its own Lambdas, start its named downstream pipelines.

    ``wait_for_downstream`` is for ``startExecution.sync``: Step Functions then also describes and
    stops the child execution and manages its own EventBridge rule to learn that it finished.
    """
    lambdas = list(lambda_arns)
    statements = [
        # the unqualified ARN and its versions/aliases (':*'): the ASL invokes by function name
        statement("InvokeOwnFunctions", ["lambda:InvokeFunction"], [*lambdas, *(f"{arn}:*" for arn in lambdas)]),
        statement("DeliverLogs", LOG_DELIVERY_ACTIONS, "*"),
    ]
    downstream = sorted(set(downstream_state_machine_arns))
    if downstream:
        statements.append(statement("StartDownstreamPipelines", ["states:StartExecution"], downstream))
        if wait_for_downstream:
            if not (region and account):
                raise ValueError("wait_for_downstream needs region and account")
            executions = [execution_arn(arn, "*") for arn in downstream]
            # Express children have their own execution ARN form; both name only our downstreams.
            express = [express_execution_arn(arn, "*", "*") for arn in downstream]
            statements.append(statement("DescribeDownstreamExecutions", ["states:DescribeExecution"], executions + express))
            statements.append(statement("StopDownstreamExecutions", ["states:StopExecution"], executions))
            rule = Arns(region, account).event_rule(SYNC_EXECUTION_RULE)
            statements.append(
                statement("ManagedSyncRule", ["events:PutTargets", "events:PutRule", "events:DescribeRule"], rule)
            )
    return document(*statements)


# -- EventBridge ------------------------------------------------------------------------------------
def events_policy(state_machine_arn: str) -> Policy:
    """The role EventBridge uses for a pipeline's triggers: start that one state machine."""
    return document(statement("StartPipeline", ["states:StartExecution"], state_machine_arn))


def scheduler_policy(state_machine_arn: str) -> Policy:
    """The role EventBridge Scheduler uses for a pipeline's zoned schedules: start that one state machine."""
    return document(statement("StartPipelineOnSchedule", ["states:StartExecution"], state_machine_arn))


# -- resource policies --------------------------------------------------------------------------------
def tls_only_bucket_policy(bucket_arn: str) -> Policy:
    """Deny every request to the bucket that does not use TLS."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def failure_topic_policy(topic_arn: str, account: str) -> Policy:
    """Let EventBridge rules of this account publish failed executions to the topic."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "EventBridgePublishesFailures",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }
