"""Each component, through the real programs run under Pulumi's mocks: counts, physical names,
properties, dependencies and exports."""

from __future__ import annotations

import json
from collections import Counter

from dorc_runtime.deploy.plan import Plan
from dorc_runtime.deploy.publish import image_asset
from dorc_runtime.naming import Naming
from dorc_runtime.project import Project

ACCOUNT, REGION = "111122223333", "eu-west-2"
NAMING = Naming("acme-data", "prod")
RAW = "raw/census [prod]"
PROCESSED = "processed/census [prod]"
QUICK = "processed/quick [prod]"
INFRA = "infra [prod]"

ECR = "aws:ecr/repository:Repository"
LAMBDA = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SFN = "aws:sfn/stateMachine:StateMachine"


def by_name(plan: Plan, typ: str, stack: str) -> dict:
    return {r.name: r for r in plan.of_type(typ, stack)}


def short(typ: str) -> str:
    return typ.rsplit(":", 1)[-1]


# -- universal ---------------------------------------------------------------------------------------
def test_universal_has_one_hardened_repository_per_function(census_plan: Plan) -> None:
    repos = census_plan.of_type(ECR, "universal")
    expected = {
        NAMING.ecr_repository(layer, pipeline, fn)
        for layer, pipeline, fns in [
            ("raw", "census", ["fetch", "validate", "publish"]),
            ("processed", "census", ["aggregate", "publish"]),
            ("processed", "quick", ["one"]),
        ]
        for fn in fns
    }
    assert {r.physical_name for r in repos} == expected  # two 'publish' functions, two repositories
    for repo in repos:
        assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]
    policies = census_plan.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy", "universal")
    assert sorted(p.inputs["repository"] for p in policies) == sorted(expected)
    # Only untagged images expire: every environment runs a tagged image from the shared repository,
    # so a rule counting tagged images could delete the one prod runs. ECR lifecycle rules:
    # https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
    for policy in policies:
        assert json.loads(policy.inputs["policy"]) == {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "expire untagged images after 1 day(s)",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": 1,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }


def test_repositories_are_retained_when_their_function_disappears(census_plan: Plan) -> None:
    """retainOnDelete: a repository leaving the program is dropped from state, not deleted in AWS
    (an environment not yet redeployed may still run its images), and force_delete stays off."""
    repos = census_plan.of_type(ECR, "universal")
    assert repos and all(r.retain_on_delete for r in repos)
    assert all(r.inputs["forceDelete"] is False for r in repos)
    lambdas = census_plan.of_type("aws:lambda/function:Function")
    assert lambdas and not any(r.retain_on_delete for r in lambdas)


def test_universal_exports_repositories_by_layer_pipeline_function(census_plan: Plan) -> None:
    outputs = census_plan.outputs["organization/acme-data-universal/universal"]
    url = outputs["repository_urls"]["raw/census/fetch"]
    assert url == NAMING.ecr_repository_url(REGION, ACCOUNT, "raw", "census", "fetch")
    assert outputs["repository_arns"]["processed/census/publish"].endswith(":repository/acme-data/processed/census/publish")
    assert len(outputs["repository_urls"]) == 6


# -- infra ------------------------------------------------------------------------------------------------
def test_infra_holding_store_is_private_encrypted_versioned_and_tls_only(census_plan: Plan) -> None:
    bucket_name = NAMING.holding_bucket(ACCOUNT)
    resources = {short(r.type): r for r in census_plan.resources if r.stack == INFRA and r.physical_name == bucket_name}
    assert set(resources) >= {
        "Bucket", "BucketPublicAccessBlock", "BucketServerSideEncryptionConfiguration", "BucketVersioning",
        "BucketLifecycleConfiguration", "BucketPolicy", "BucketNotification",
    }  # fmt: skip
    block = resources["BucketPublicAccessBlock"].inputs
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    sse = resources["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert resources["BucketVersioning"].inputs["versioningConfiguration"]["status"] == "Enabled"
    temporary = resources["BucketLifecycleConfiguration"].inputs["rules"][0]
    assert temporary["filter"]["prefix"] == "tmp/" and temporary["expiration"]["days"] == 7
    policy = json.loads(resources["BucketPolicy"].inputs["policy"])["Statement"][0]
    assert policy["Effect"] == "Deny" and policy["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert resources["BucketNotification"].inputs["eventbridge"] is True
    # the policy waits for the public access block; lifecycle waits for versioning
    assert "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::holding" in resources["BucketPolicy"].depends_on
    assert "aws:s3/bucketVersioning:BucketVersioning::holding" in resources["BucketLifecycleConfiguration"].depends_on


def test_infra_topic_and_exports(census_plan: Plan) -> None:
    topics = census_plan.of_type("aws:sns/topic:Topic", INFRA)
    assert [t.physical_name for t in topics] == [NAMING.failure_topic()]
    assert not census_plan.of_type("aws:ec2/securityGroup:SecurityGroup", INFRA)
    assert not census_plan.of_type("aws:sns/topicSubscription:TopicSubscription", INFRA)
    outputs = census_plan.outputs["organization/acme-data-infra/prod"]
    assert outputs == {
        "holding_bucket": NAMING.holding_bucket(ACCOUNT),
        "holding_bucket_arn": NAMING.holding_bucket_arn(ACCOUNT),
        "failure_topic_arn": NAMING.failure_topic_arn(REGION, ACCOUNT),
    }


def test_infra_with_vpc_and_emails(vpc_plan: Plan) -> None:
    infra = "infra [prod]"
    (group,) = vpc_plan.of_type("aws:ec2/securityGroup:SecurityGroup", infra)
    assert group.inputs["vpcId"] == "vpc-0abc" and group.physical_name == Naming("vpc-proj", "prod").security_group()
    assert "ingress" not in group.inputs or not group.inputs["ingress"]
    emails = sorted(s.inputs["endpoint"] for s in vpc_plan.of_type("aws:sns/topicSubscription:TopicSubscription", infra))
    assert emails == ["data@example.com", "oncall@example.com"]
    assert vpc_plan.outputs["organization/vpc-proj-infra/prod"]["security_group_id"].startswith("sg-")


# -- pipelines ---------------------------------------------------------------------------------------------
def test_pipeline_resource_counts(census_plan: Plan) -> None:
    def counts(stack: str) -> Counter:
        return Counter(short(r.type) for r in census_plan.resources if r.stack == stack)

    assert counts(RAW) == Counter(
        Function=3, LogGroup=4, Role=3, RolePolicy=3, StateMachine=1, EventRule=2, EventTarget=2
    )
    # an S3 trigger instead of cron
    assert counts(PROCESSED) == Counter(
        Function=2, LogGroup=3, Role=3, RolePolicy=3, StateMachine=1, EventRule=2, EventTarget=2
    )
    # Express: no trigger, no failure rule (Step Functions emits status events for Standard only)
    assert counts(QUICK) == Counter(Function=1, LogGroup=2, Role=2, RolePolicy=2, StateMachine=1)


def test_lambda_settings_names_and_environment(census_plan: Plan, census_root) -> None:
    functions = by_name(census_plan, LAMBDA, RAW)
    fetch, validate = functions["fetch"].inputs, functions["validate"].inputs
    assert fetch["name"] == NAMING.lambda_function("raw", "census", "fetch")
    assert (fetch["memorySize"], fetch["timeout"], fetch["architectures"]) == (1024, 600, ["x86_64"])
    assert fetch["reservedConcurrentExecutions"] == -1 and validate["reservedConcurrentExecutions"] == 2
    assert fetch["packageType"] == "Image"
    assert validate["environment"]["variables"] == {
        **NAMING.handler_environment(ACCOUNT, "raw", "census", "validate"),
        "MODE": "strict",
    }
    assert fetch["role"] == f"arn:aws:iam::{ACCOUNT}:role/{NAMING.lambda_role('raw', 'census')}"
    definition = Project(census_root).load("raw", "census")
    tag = image_asset(definition, definition.function("fetch"), NAMING).tag
    assert fetch["imageUri"] == f"111122223333.dkr.ecr.eu-west-2.amazonaws.com/acme-data/raw/census/fetch:{tag}"


def test_pipeline_stacks_only_name_their_images(census_plan: Plan) -> None:
    """The publish stage builds and pushes before the pipeline stacks run; the stacks hold no
    image resource of their own (none per environment) and no registry login."""
    assert {r.type for r in census_plan.resources if r.type.startswith("docker:")} == set()
    aggregate = by_name(census_plan, LAMBDA, PROCESSED)["aggregate"].inputs
    assert aggregate["architectures"] == ["arm64"]
    assert aggregate["imageUri"].startswith("111122223333.dkr.ecr.eu-west-2.amazonaws.com/acme-data/processed/census/aggregate:")


def test_zip_function(census_plan: Plan) -> None:
    publish = by_name(census_plan, LAMBDA, PROCESSED)["publish"].inputs
    assert (publish["packageType"], publish["runtime"], publish["handler"]) == ("Zip", "python3.12", "lambda.handler")
    (archive,) = publish["code"].values()
    assert archive.startswith("../../../.dorc/build/acme-data-prod-processed-census-publish-") and archive.endswith(".zip")
    assert any("src/processed/census/src/publish" in line for line in census_plan.packages)


def test_log_groups_have_retention_and_come_first(census_plan: Plan, vpc_plan: Plan) -> None:
    groups = by_name(census_plan, LOG_GROUP, RAW)
    assert groups["fetch-logs"].physical_name == NAMING.lambda_log_group("raw", "census", "fetch")
    assert groups["sfn-logs"].physical_name == NAMING.state_machine_log_group("raw", "census")
    assert {g.inputs["retentionInDays"] for g in groups.values()} == {30}
    assert {g.inputs["retentionInDays"] for g in vpc_plan.of_type(LOG_GROUP)} == {90}
    for name, fn in by_name(census_plan, LAMBDA, RAW).items():
        assert f"{LOG_GROUP}::{name}-logs" in fn.depends_on
        assert "aws:iam/rolePolicy:RolePolicy::lambda-role" in fn.depends_on


def test_state_machine(census_plan: Plan) -> None:
    (machine,) = census_plan.of_type(SFN, RAW)
    assert machine.physical_name == NAMING.state_machine("raw", "census")
    assert machine.inputs["type"] == "STANDARD"
    logging = machine.inputs["loggingConfiguration"]
    assert logging["level"] == "ERROR" and logging["logDestination"].endswith(":log-group:/aws/vendedlogs/states/acme-data-prod-raw-census:*")
    assert {f"{LAMBDA}::{fn}" for fn in ("fetch", "validate", "publish")} <= set(machine.depends_on)
    (express,) = census_plan.of_type(SFN, QUICK)
    assert express.inputs["type"] == "EXPRESS" and express.inputs["loggingConfiguration"]["level"] == "ALL"
    arn = census_plan.outputs["organization/acme-data-raw-census/prod"]["state_machine_arn"]
    assert arn == NAMING.state_machine_arn(REGION, ACCOUNT, "raw", "census")


def test_cron_trigger(census_plan: Plan) -> None:
    rules = by_name(census_plan, RULE, RAW)
    cron = rules["trigger-cron-0"].inputs
    assert cron["name"] == NAMING.trigger_rule("raw", "census", "cron-0")
    assert (cron["scheduleExpression"], cron["state"]) == ("cron(0 6 * * ? *)", "ENABLED")
    target = by_name(census_plan, TARGET, RAW)["trigger-cron-0"].inputs
    assert json.loads(target["input"]) == {"year": 2021}
    assert target["arn"] == NAMING.state_machine_arn(REGION, ACCOUNT, "raw", "census")
    assert target["roleArn"].endswith(f":role/{NAMING.events_role('raw', 'census')}")


def test_s3_trigger_matches_the_holding_store(census_plan: Plan) -> None:
    rule = by_name(census_plan, RULE, PROCESSED)["trigger-s3-0"].inputs
    pattern = json.loads(rule["eventPattern"])
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["bucket"]["name"] == [NAMING.holding_bucket(ACCOUNT)]
    assert pattern["detail"]["object"]["key"] == [{"wildcard": "census/raw/*.csv"}]


def test_failures_go_to_the_topic(census_plan: Plan) -> None:
    rule = by_name(census_plan, RULE, RAW)["failed"].inputs
    pattern = json.loads(rule["eventPattern"])
    assert pattern["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    assert pattern["detail"]["stateMachineArn"] == [NAMING.state_machine_arn(REGION, ACCOUNT, "raw", "census")]
    assert by_name(census_plan, TARGET, RAW)["failed"].inputs["arn"] == NAMING.failure_topic_arn(REGION, ACCOUNT)


def test_vpc_functions_and_additional_policies(vpc_plan: Plan) -> None:
    stack = RAW
    fetch = by_name(vpc_plan, LAMBDA, stack)["fetch"].inputs
    group_id = vpc_plan.outputs["organization/vpc-proj-infra/prod"]["security_group_id"]
    assert fetch["vpcConfig"] == {"subnetIds": ["subnet-0a", "subnet-0b"], "securityGroupIds": [group_id]}
    attachments = {a.name: a.inputs["policyArn"] for a in vpc_plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment", stack)}
    assert attachments == {
        "lambda-role-additional": "arn:aws:iam::111122223333:policy/extra-lambda",
        "sfn-role-additional": "arn:aws:iam::111122223333:policy/extra-sfn",
    }
