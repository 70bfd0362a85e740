"""A pipeline's cron triggers in a time zone: EventBridge Scheduler schedules and their role.

EventBridge rules evaluate cron in UTC only; Scheduler takes an IANA zone
(``schedule_expression_timezone``) and follows its daylight-saving changes. Each schedule starts
the state machine through the universal target for ``states:StartExecution``; its role may start
that one state machine and nothing else. Scheduler schedules take no tags (the API has none).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ...models.definition import CronTrigger, PipelineDefinition
from ...naming import Naming
from ...schedules import is_zoned, schedule_timezone
from .. import iam

SCHEDULER_SERVICE = "scheduler.amazonaws.com"
SCHEDULE_GROUP = "default"
# No flexible window: a publication at 09:30 runs at 09:30, not somewhere in the next minutes.
FLEXIBLE_WINDOW = {"mode": "OFF"}
# Retry a start that failed (throttling, a transient service error) for up to an hour, three times;
# AWS's defaults (185 attempts over 24 hours) would start yesterday's run long after it was due.
RETRY_POLICY = {"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 3}


@dataclass(frozen=True)
class ZonedTrigger:
    """A cron trigger with the zone it runs in and its physical schedule name."""

    index: int
    trigger: CronTrigger
    timezone: str
    name: str


def zoned_triggers(
    definition: PipelineDefinition, project_timezone: str, naming: Naming
) -> list[ZonedTrigger]:
    """The pipeline's cron triggers that run outside UTC (the others stay EventBridge rules)."""
    found = []
    for index, trigger in enumerate(definition.triggers):
        if isinstance(trigger, CronTrigger):
            zone = schedule_timezone(trigger.timezone, project_timezone)
            if is_zoned(trigger.expression, zone):
                name = naming.schedule(definition.layer, definition.name, f"cron-{index}")
                found.append(ZonedTrigger(index, trigger, zone, name))
    return found


def schedule_args(zoned: ZonedTrigger, description: str) -> dict:
    """The schedule's inputs other than the target's ARNs (pure, so tests pin them literally)."""
    return {
        "name": zoned.name,
        "group_name": SCHEDULE_GROUP,
        "description": description,
        "schedule_expression": zoned.trigger.expression,
        "schedule_expression_timezone": zoned.timezone,
        "flexible_time_window": dict(FLEXIBLE_WINDOW),
        "state": "ENABLED" if zoned.trigger.enabled else "DISABLED",
    }


def zoned_schedules(
    parent: pulumi.Resource,
    zoned: Sequence[ZonedTrigger],
    role_name: str,
    account: str,
    state_machine_arn: str,
    target_arn: pulumi.Input[str],
    tags: dict[str, str],
    where: str,
) -> list[aws.scheduler.Schedule]:
    if not zoned:
        return []
    role = aws.iam.Role(
        "scheduler-role",
        name=role_name,
        assume_role_policy=json.dumps(iam.assume_role_policy(SCHEDULER_SERVICE, account)),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    policy = aws.iam.RolePolicy(
        "scheduler-role",
        role=role.id,
        policy=json.dumps(iam.scheduler_policy(state_machine_arn)),
        opts=pulumi.ResourceOptions(parent=role),
    )
    schedules = []
    for item in zoned:
        schedules.append(
            aws.scheduler.Schedule(
                f"trigger-cron-{item.index}",
                target={
                    "arn": target_arn,
                    "role_arn": role.arn,
                    "input": json.dumps(item.trigger.input),
                    "retry_policy": dict(RETRY_POLICY),
                },
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy]),
                **schedule_args(item, f"{where}: {item.trigger.expression} in {item.timezone}"),
            )
        )
    return schedules
