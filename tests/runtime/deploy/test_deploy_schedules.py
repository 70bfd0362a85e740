"""Cron triggers in a time zone plan as EventBridge Scheduler schedules (real programs under Pulumi's
mocks); UTC and rate() triggers stay EventBridge rules.

EventBridge rules evaluate cron in UTC only; Scheduler takes an IANA zone:
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#time-zones
Its execution role trusts scheduler.amazonaws.com, scoped with aws:SourceAccount:
https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
"""

from __future__ import annotations

import json

import parliament
import pytest
from deploy_projects import PipelineSpec, ProjectSpec, write_project
from rich.console import Console

from dorc_runtime.deploy.plan import Plan, plan_project
from dorc_runtime.deploy.plan_view import print_plan

SCHEDULE = "aws:scheduler/schedule:Schedule"
RULE = "aws:cloudwatch/eventRule:EventRule"
CENSUS = "raw/census [prod]"
NIGHTLY = "raw/nightly [prod]"
STATE_MACHINE = "arn:aws:states:eu-west-2:111122223333:stateMachine:acme-data-prod-raw-census"


@pytest.fixture(scope="module")
def zoned_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    spec = ProjectSpec(
        pipelines=[
            PipelineSpec(
                "raw",
                "census",
                ["fetch"],
                body="""functions=[Function(name="fetch")],
                trigger=[
                    CronTrigger("cron(30 9 ? * MON-FRI *)", timezone="Europe/London", input={"year": 2021}),
                    CronTrigger("cron(0 6 * * ? *)", timezone="UTC"),
                    S3Trigger(prefix="census/"),
                ],""",
            ),
            PipelineSpec(
                "raw",
                "nightly",
                ["load"],
                body="""functions=[Function(name="load")],
                trigger=[CronTrigger("cron(0 2 * * ? *)", enabled=False), CronTrigger("rate(1 hour)")],""",
            ),
        ]
    )
    root = write_project(tmp_path_factory.mktemp("zoned") / "acme-data", spec)
    settings = root / "project_settings.py"
    # the project-wide default zone, used by triggers that name none
    settings.write_text(
        settings.read_text().replace("environments=", 'timezone="America/New_York",\n    environments=')
    )
    return plan_project(root, "prod")


def by_name(plan: Plan, typ: str, stack: str) -> dict:
    return {r.name: r for r in plan.of_type(typ, stack)}


def policy(plan: Plan, stack: str, resource: str, kind: str) -> dict:
    (found,) = [
        p["document"]
        for p in plan.policies()
        if p["stack"] == stack and p["resource"] == resource and p["kind"] == kind
    ]
    return found


@pytest.mark.timeout(300)
def test_a_zoned_cron_trigger_is_a_scheduler_schedule_in_its_zone(zoned_plan: Plan) -> None:
    (schedule,) = by_name(zoned_plan, SCHEDULE, CENSUS).values()
    inputs = dict(schedule.inputs)
    target = inputs.pop("target")
    assert inputs == {
        "name": "acme-data-prod-raw-census-cron-0",
        "groupName": "default",
        "description": "raw/census: cron(30 9 ? * MON-FRI *) in Europe/London",
        "scheduleExpression": "cron(30 9 ? * MON-FRI *)",
        "scheduleExpressionTimezone": "Europe/London",
        "flexibleTimeWindow": {"mode": "OFF"},
        "state": "ENABLED",
    }
    assert target["input"] == '{"year": 2021}'
    assert target["retryPolicy"] == {"maximumEventAgeInSeconds": 3600, "maximumRetryAttempts": 3}
    assert target["arn"] == STATE_MACHINE
    assert target["roleArn"].endswith(":role/acme-data-prod-raw-census-scheduler")
    # the UTC cron and the S3 trigger stay EventBridge rules, with their original logical names
    rules = by_name(zoned_plan, RULE, CENSUS)
    assert sorted(rules) == ["failed", "trigger-cron-1", "trigger-s3-2"]
    assert rules["trigger-cron-1"].inputs["scheduleExpression"] == "cron(0 6 * * ? *)"


@pytest.mark.timeout(300)
def test_the_project_default_zone_applies_to_cron_but_not_to_rate(zoned_plan: Plan) -> None:
    (schedule,) = by_name(zoned_plan, SCHEDULE, NIGHTLY).values()
    assert schedule.inputs["scheduleExpressionTimezone"] == "America/New_York"
    assert schedule.inputs["state"] == "DISABLED"
    rules = by_name(zoned_plan, RULE, NIGHTLY)
    assert rules["trigger-cron-1"].inputs["scheduleExpression"] == "rate(1 hour)"


@pytest.mark.timeout(300)
def test_the_scheduler_role_may_only_start_its_own_state_machine(zoned_plan: Plan) -> None:
    assert policy(zoned_plan, CENSUS, "scheduler-role", "trust") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
            }
        ],
    }
    assert policy(zoned_plan, CENSUS, "scheduler-role", "identity") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "StartPipelineOnSchedule",
                "Effect": "Allow",
                "Action": ["states:StartExecution"],
                "Resource": STATE_MACHINE,
            }
        ],
    }


@pytest.mark.timeout(300)
def test_every_policy_of_a_zoned_project_passes_parliament(zoned_plan: Plan) -> None:
    findings = {
        f"{p['stack']}:{p['resource']}": parliament.analyze_policy_string(json.dumps(p["document"])).findings
        for p in zoned_plan.policies()
        if p["kind"] != "trust"
    }
    assert f"{CENSUS}:scheduler-role" in findings
    assert {key: found for key, found in findings.items() if found} == {}


@pytest.mark.timeout(300)
def test_the_printed_plan_shows_the_schedule_and_its_zone(zoned_plan: Plan) -> None:
    console = Console(record=True, width=200)
    print_plan(console, zoned_plan)
    text = console.export_text()
    assert "scheduler:Schedule" in text
    assert (
        "scheduleExpression=cron(30 9 ? * MON-FRI *)  scheduleExpressionTimezone=Europe/London  state=ENABLED"
        in text
    )


def test_a_zone_on_a_rate_expression_is_refused() -> None:
    from pydantic import ValidationError

    from dorc_runtime import CronTrigger

    with pytest.raises(ValidationError, match="applies to cron"):
        CronTrigger("rate(1 day)", timezone="Europe/London")


def test_schedule_args_are_pure_and_literal() -> None:
    from dorc_runtime import CronTrigger
    from dorc_runtime.deploy.components.schedules import ZonedTrigger, schedule_args

    zoned = ZonedTrigger(0, CronTrigger("cron(0 7 * * ? *)", timezone="Asia/Tokyo"), "Asia/Tokyo", "n")
    assert schedule_args(zoned, "d") == {
        "name": "n",
        "group_name": "default",
        "description": "d",
        "schedule_expression": "cron(0 7 * * ? *)",
        "schedule_expression_timezone": "Asia/Tokyo",
        "flexible_time_window": {"mode": "OFF"},
        "state": "ENABLED",
    }
