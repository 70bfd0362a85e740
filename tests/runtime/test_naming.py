"""Every kind of physical name, for long and odd inputs, against AWS's constraints as botocore's
service models state them (pattern, min, max); where a model states none, AWS's documented rule."""

from __future__ import annotations

import itertools
import re
from functools import cache

import botocore.session
import pytest

from dorc_runtime.names import MAX_ENVIRONMENT, MAX_PART, MAX_SLUG, check_environment, check_name, check_slug
from dorc_runtime.naming import (
    LAMBDA_NAME_MAX,
    SYNC_EXECUTION_RULE,
    Arns,
    Naming,
    execution_arn,
    express_execution_arn,
    iam_role_arn,
    s3_bucket_arn,
)

SLUGS = ["a", "acme-data", "x" * MAX_SLUG, "a1-b2-c3-" + "d" * (MAX_SLUG - 9)]
ENVIRONMENTS = ["p", "prod", "e" * MAX_ENVIRONMENT]
PARTS = ["a", "raw", "census_2021", "x_y-z9", "p" * MAX_PART, "a_" + "b-" * 14 + "cd"]
ACCOUNT = "111122223333"
REGION = "eu-west-2"


@cache
def constraint(service: str, operation: str, member: str) -> dict:
    model = botocore.session.get_session().get_service_model(service)
    return dict(model.operation_model(operation).input_shape.members[member].metadata)


def assert_fits(name: str, service: str, operation: str, member: str, max_len: int | None = None) -> None:
    rules = constraint(service, operation, member)
    assert rules, f"{service}.{operation}.{member}: botocore states no constraints"
    assert rules.get("min", 1) <= len(name) <= (max_len or rules["max"]), (name, rules)
    if "pattern" in rules:
        assert re.fullmatch(rules["pattern"], name), (name, rules["pattern"])


def cases():
    for slug, env in itertools.product(SLUGS, ENVIRONMENTS):
        for layer, pipeline, function in itertools.product(PARTS[:3] + PARTS[-2:], PARTS[-3:], PARTS[-2:]):
            yield slug, env, layer, pipeline, function


CASES = list(cases())


def test_the_inputs_are_valid_user_names() -> None:
    for slug in SLUGS:
        check_slug(slug)
    for env in ENVIRONMENTS:
        check_environment(env)
    for part in PARTS:
        check_name("function", part)


@pytest.mark.parametrize("slug,env", list(itertools.product(SLUGS, ENVIRONMENTS)))
def test_every_name_fits_aws(slug: str, env: str) -> None:
    naming = Naming(slug, env)
    for s, e, layer, pipeline, function in CASES:
        if (s, e) != (slug, env):
            continue
        # Lambda's model allows 140 characters because it also accepts ARNs; a bare name is 64.
        assert_fits(naming.lambda_function(layer, pipeline, function), "lambda", "CreateFunction", "FunctionName", LAMBDA_NAME_MAX)
        assert_fits(naming.state_machine(layer, pipeline), "stepfunctions", "CreateStateMachine", "name")
        for role in (naming.lambda_role, naming.state_machine_role, naming.events_role, naming.scheduler_role):
            assert_fits(role(layer, pipeline), "iam", "CreateRole", "RoleName")
        assert_fits(naming.ecr_repository(layer, pipeline, function), "ecr", "CreateRepository", "repositoryName")
        assert_fits(naming.lambda_log_group(layer, pipeline, function), "logs", "CreateLogGroup", "logGroupName")
        assert_fits(naming.state_machine_log_group(layer, pipeline), "logs", "CreateLogGroup", "logGroupName")
        for kind in ("cron-0", "s3-12", "failed"):
            assert_fits(naming.trigger_rule(layer, pipeline, kind), "events", "PutRule", "Name")
        for kind in ("cron-0", "cron-12"):
            assert_fits(naming.schedule(layer, pipeline, kind), "scheduler", "CreateSchedule", "Name")
    assert_fits(naming.dispatcher_function(), "lambda", "CreateFunction", "FunctionName", LAMBDA_NAME_MAX)
    assert_fits(naming.dispatcher_role(), "iam", "CreateRole", "RoleName")
    assert_fits(naming.dispatcher_log_group(), "logs", "CreateLogGroup", "logGroupName")
    assert_fits(naming.dispatcher_rule(), "events", "PutRule", "Name")
    for account in (ACCOUNT, None):
        for bucket in (naming.holding_bucket(account), naming.submissions_bucket(account)):
            # S3's model states no rule: bucket naming rules, S3 user guide
            assert 3 <= len(bucket) <= 63 and re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", bucket), bucket
            assert ".." not in bucket and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", bucket)
    # SNS's model states no rule: 1-256 of letters, digits, '-' and '_' (CreateTopic docs)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", naming.failure_topic())
    # EC2's model states no rule: 255 characters, no 'sg-' prefix (CreateSecurityGroup docs)
    group = naming.security_group()
    assert len(group) <= 255 and not group.startswith("sg-")


def test_long_names_are_shortened_deterministically_and_distinctly() -> None:
    naming = Naming(SLUGS[2], ENVIRONMENTS[2])
    long_a = naming.lambda_function(PARTS[4], PARTS[4], "a" + "b" * 31)
    long_b = naming.lambda_function(PARTS[4], PARTS[4], "a" + "c" * 31)
    assert len(long_a) == LAMBDA_NAME_MAX and long_a != long_b
    assert long_a == Naming(SLUGS[2], ENVIRONMENTS[2]).lambda_function(PARTS[4], PARTS[4], "a" + "b" * 31)
    names = {naming.state_machine(layer, pipeline) for _, _, layer, pipeline, _ in CASES}
    assert len(names) == len({(layer, pipeline) for _, _, layer, pipeline, _ in CASES})


def test_arns_embed_the_names() -> None:
    naming = Naming("acme-data", "prod")
    assert naming.lambda_arn(REGION, ACCOUNT, "raw", "census", "fetch").endswith(":function:acme-data-prod-raw-census-fetch")
    assert naming.state_machine_arn(REGION, ACCOUNT, "raw", "census") == (
        "arn:aws:states:eu-west-2:111122223333:stateMachine:acme-data-prod-raw-census"
    )
    assert naming.lambda_log_group_arn(REGION, ACCOUNT, "raw", "census", "fetch") == (
        "arn:aws:logs:eu-west-2:111122223333:log-group:/aws/lambda/acme-data-prod-raw-census-fetch"
    )
    assert naming.ecr_repository_url(REGION, ACCOUNT, "raw", "census", "fetch") == (
        "111122223333.dkr.ecr.eu-west-2.amazonaws.com/acme-data/raw/census/fetch"
    )
    assert naming.holding_bucket_arn(ACCOUNT) == "arn:aws:s3:::acme-data-prod-holding-111122223333"
    assert naming.failure_topic_arn(REGION, ACCOUNT) == "arn:aws:sns:eu-west-2:111122223333:acme-data-prod-failures"
    assert naming.submissions_bucket_arn(ACCOUNT) == "arn:aws:s3:::acme-data-prod-submissions-111122223333"
    assert naming.dispatcher_log_group_arn(REGION, ACCOUNT) == (
        "arn:aws:logs:eu-west-2:111122223333:log-group:/aws/lambda/acme-data-prod-submissions-dispatcher"
    )
    assert naming.dispatcher_role_arn(ACCOUNT) == "arn:aws:iam::111122223333:role/acme-data-prod-submissions-dispatcher"
    assert naming.dispatcher_rule() == "acme-data-prod-submissions-incoming"
    assert Naming.stack_reference("organization", Naming.infra_project("acme-data"), "prod") == (
        "organization/acme-data-infra/prod"
    )


def test_arn_formats_for_any_name() -> None:
    arns = Arns(REGION, ACCOUNT)
    machine = arns.state_machine("m")
    assert machine == "arn:aws:states:eu-west-2:111122223333:stateMachine:m"
    assert execution_arn(machine, "run-1") == "arn:aws:states:eu-west-2:111122223333:execution:m:run-1"
    assert express_execution_arn(machine, "*", "*") == "arn:aws:states:eu-west-2:111122223333:express:m:*:*"
    assert arns.event_rule(SYNC_EXECUTION_RULE) == (
        "arn:aws:events:eu-west-2:111122223333:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
    )
    assert arns.ec2("subnet", "subnet-0abc") == "arn:aws:ec2:eu-west-2:111122223333:subnet/subnet-0abc"
    assert arns.ecr_repository("a/b") == "arn:aws:ecr:eu-west-2:111122223333:repository/a/b"
    assert arns.ecr_registry() == "111122223333.dkr.ecr.eu-west-2.amazonaws.com"
    assert iam_role_arn(ACCOUNT, "r") == "arn:aws:iam::111122223333:role/r"
    assert s3_bucket_arn("b") == "arn:aws:s3:::b"
