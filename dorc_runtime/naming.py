"""Every physical AWS name dorc creates, derived in one place from
(project slug, environment, layer, pipeline, function).

Pure: no AWS calls, no Pulumi. Deploy, the local runner, submissions and validation all ask this
module, so a name is never written twice. Names that would exceed an AWS limit are shortened
deterministically: the readable prefix is kept and an 8-character hash of the full name appended,
so two long names never collide.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# AWS limits (botocore service models; checked against them in tests/runtime/test_naming.py).
LAMBDA_NAME_MAX = 64
STATE_MACHINE_NAME_MAX = 80
IAM_ROLE_NAME_MAX = 64
S3_BUCKET_MAX = 63
ECR_REPOSITORY_MAX = 256
LOG_GROUP_MAX = 512
SNS_TOPIC_MAX = 256
EVENT_RULE_MAX = 64
SCHEDULE_NAME_MAX = 64
SECURITY_GROUP_MAX = 255

LOCAL_ENVIRONMENT = "local"
LOCAL_ACCOUNT = "123456789012"  # moto's default account id

# The environment variables every deployed (and locally run) handler receives.
ENV_HOLDING_BUCKET = "DORC_HOLDING_BUCKET"
ENV_ENVIRONMENT = "DORC_ENVIRONMENT"
ENV_PROJECT = "DORC_PROJECT"
ENV_LAYER = "DORC_LAYER"
ENV_PIPELINE = "DORC_PIPELINE"
ENV_FUNCTION = "DORC_FUNCTION"
ENV_FAILURE_TOPIC = "DORC_FAILURE_TOPIC_ARN"


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fit(name: str, limit: int, sep: str = "-") -> str:
    """Return ``name`` if it fits ``limit``, else a deterministic shortened form with a hash suffix."""
    if len(name) <= limit:
        return name
    suffix = short_hash(name)
    head = name[: limit - len(suffix) - len(sep)].rstrip("-_./")
    return f"{head}{sep}{suffix}"


def _dns(part: str) -> str:
    """S3 and other DNS-style names allow no '_'."""
    return part.replace("_", "-")


# Step Functions' own rule for ``startExecution.sync`` (it creates and manages it in our account).
SYNC_EXECUTION_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"


def s3_bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def iam_role_arn(account: str, role: str) -> str:
    return f"arn:aws:iam::{account}:role/{role}"


def execution_arn(state_machine_arn: str, execution: str) -> str:
    """The ARN of a Standard execution named ``execution`` (``*`` for all) of a state machine."""
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{execution}"


def express_execution_arn(state_machine_arn: str, execution: str, run: str) -> str:
    """The ARN of an Express execution (they carry a run id after the execution name)."""
    return state_machine_arn.replace(":stateMachine:", ":express:") + f":{execution}:{run}"


@dataclass(frozen=True)
class Arns:
    """AWS's ARN formats for one region and account, for any resource name."""

    region: str
    account: str

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def lambda_function(self, name: str) -> str:
        return self._arn("lambda", f"function:{name}")

    def state_machine(self, name: str) -> str:
        return self._arn("states", f"stateMachine:{name}")

    def log_group(self, name: str) -> str:
        return self._arn("logs", f"log-group:{name}")

    def sns_topic(self, name: str) -> str:
        return self._arn("sns", name)

    def event_rule(self, name: str) -> str:
        return self._arn("events", f"rule/{name}")

    def ecr_repository(self, name: str) -> str:
        return self._arn("ecr", f"repository/{name}")

    def ec2(self, resource_type: str, ident: str) -> str:
        """e.g. ``ec2("subnet", "subnet-0abc")``; ``ident`` may be ``*``."""
        return self._arn("ec2", f"{resource_type}/{ident}")

    def ecr_registry(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"

    def ecr_repository_url(self, name: str) -> str:
        return f"{self.ecr_registry()}/{name}"


def _lambda_log_group(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


@dataclass(frozen=True)
class Naming:
    """Physical names for one project and (optionally) one environment."""

    project: str
    environment: str | None = None

    # -- environment-agnostic (universal stack) ---------------------------------------------
    def ecr_repository(self, layer: str, pipeline: str, function: str) -> str:
        # ECR repositories are shared by all environments: one per (layer, pipeline, function),
        # so two pipelines that both have a 'function1' never collide.
        name = f"{self.project}/{layer}/{pipeline}/{function}".lower()
        return fit(name, ECR_REPOSITORY_MAX)

    # -- per environment ---------------------------------------------------------------------
    @property
    def env(self) -> str:
        if not self.environment:
            raise ValueError("this name needs an environment: Naming(project, environment)")
        return self.environment

    def _join(self, *parts: str) -> str:
        return "-".join([self.project, self.env, *parts])

    def lambda_function(self, layer: str, pipeline: str, function: str) -> str:
        return fit(self._join(layer, pipeline, function), LAMBDA_NAME_MAX)

    def state_machine(self, layer: str, pipeline: str) -> str:
        return fit(self._join(layer, pipeline), STATE_MACHINE_NAME_MAX)

    def lambda_role(self, layer: str, pipeline: str) -> str:
        return fit(self._join(layer, pipeline, "fn"), IAM_ROLE_NAME_MAX)

    def state_machine_role(self, layer: str, pipeline: str) -> str:
        return fit(self._join(layer, pipeline, "sfn"), IAM_ROLE_NAME_MAX)

    def events_role(self, layer: str, pipeline: str) -> str:
        return fit(self._join(layer, pipeline, "events"), IAM_ROLE_NAME_MAX)

    def scheduler_role(self, layer: str, pipeline: str) -> str:
        return fit(self._join(layer, pipeline, "scheduler"), IAM_ROLE_NAME_MAX)

    def schedule(self, layer: str, pipeline: str, kind: str) -> str:
        """An EventBridge Scheduler schedule (in the account's 'default' schedule group)."""
        return fit(self._join(layer, pipeline, kind), SCHEDULE_NAME_MAX)

    def lambda_log_group(self, layer: str, pipeline: str, function: str) -> str:
        return _lambda_log_group(self.lambda_function(layer, pipeline, function))

    def state_machine_log_group(self, layer: str, pipeline: str) -> str:
        return f"/aws/vendedlogs/states/{self.state_machine(layer, pipeline)}"

    def trigger_rule(self, layer: str, pipeline: str, kind: str) -> str:
        return fit(self._join(layer, pipeline, kind), EVENT_RULE_MAX)

    def failure_rule(self, layer: str, pipeline: str) -> str:
        return self.trigger_rule(layer, pipeline, "failed")

    def _bucket(self, purpose: str, account: str | None) -> str:
        parts = [self.project, self.env, purpose] + ([account] if account else [])
        return fit(_dns("-".join(parts)).lower(), S3_BUCKET_MAX)

    def holding_bucket(self, account: str | None) -> str:
        """The per-environment holding store that pipelines pass data through."""
        return self._bucket("holding", account)

    def submissions_bucket(self, account: str | None) -> str:
        return self._bucket("submissions", account)

    def failure_topic(self) -> str:
        return fit(self._join("failures"), SNS_TOPIC_MAX)

    def dispatcher_function(self) -> str:
        return fit(self._join("submissions-dispatcher"), LAMBDA_NAME_MAX)

    def dispatcher_role(self) -> str:
        return fit(self._join("submissions-dispatcher"), IAM_ROLE_NAME_MAX)

    def dispatcher_log_group(self) -> str:
        return _lambda_log_group(self.dispatcher_function())

    def dispatcher_rule(self) -> str:
        """The EventBridge rule that sends archives created under ``incoming/`` to the dispatcher."""
        return fit(self._join("submissions-incoming"), EVENT_RULE_MAX)

    def security_group(self) -> str:
        return fit(self._join("lambdas"), SECURITY_GROUP_MAX)

    # -- Pulumi stacks -----------------------------------------------------------------------
    UNIVERSAL_STACK = "universal"

    def infra_stack(self) -> str:
        return self.env

    def pipeline_stack(self) -> str:
        # each (layer, pipeline) is its own Pulumi project, so the stack is just the environment
        return self.env

    @staticmethod
    def pipeline_project(project: str, layer: str, pipeline: str) -> str:
        return f"{project}-{layer}-{pipeline}"

    @staticmethod
    def universal_project(project: str) -> str:
        """The Pulumi project (``universal/Pulumi.yaml`` ``name:``) of the universal stack."""
        return f"{project}-universal"

    @staticmethod
    def infra_project(project: str) -> str:
        """The Pulumi project (``infra/Pulumi.yaml`` ``name:``) of the per-environment infra stacks."""
        return f"{project}-infra"

    @staticmethod
    def stack_reference(organization: str, pulumi_project: str, stack: str) -> str:
        """Fully qualified stack name for a StackReference ('organization' on file and S3 backends)."""
        return f"{organization}/{pulumi_project}/{stack}"

    # -- ARNs (built from arguments, never looked up) ------------------------------------------
    def lambda_arn(self, region: str, account: str, layer: str, pipeline: str, function: str) -> str:
        return Arns(region, account).lambda_function(self.lambda_function(layer, pipeline, function))

    def state_machine_arn(self, region: str, account: str, layer: str, pipeline: str) -> str:
        return Arns(region, account).state_machine(self.state_machine(layer, pipeline))

    def ecr_repository_url(self, region: str, account: str, layer: str, pipeline: str, function: str) -> str:
        return Arns(region, account).ecr_repository_url(self.ecr_repository(layer, pipeline, function))

    def lambda_log_group_arn(self, region: str, account: str, layer: str, pipeline: str, function: str) -> str:
        return Arns(region, account).log_group(self.lambda_log_group(layer, pipeline, function))

    def failure_topic_arn(self, region: str, account: str) -> str:
        return Arns(region, account).sns_topic(self.failure_topic())

    def holding_bucket_arn(self, account: str | None) -> str:
        return s3_bucket_arn(self.holding_bucket(account))

    def submissions_bucket_arn(self, account: str | None) -> str:
        return s3_bucket_arn(self.submissions_bucket(account))

    def dispatcher_log_group_arn(self, region: str, account: str) -> str:
        return Arns(region, account).log_group(self.dispatcher_log_group())

    def dispatcher_role_arn(self, account: str) -> str:
        return iam_role_arn(account, self.dispatcher_role())

    def handler_environment(self, account: str | None, layer: str, pipeline: str, function: str) -> dict[str, str]:
        """Environment variables every handler gets, deployed or local."""
        return {
            ENV_PROJECT: self.project,
            ENV_ENVIRONMENT: self.env,
            ENV_LAYER: layer,
            ENV_PIPELINE: pipeline,
            ENV_FUNCTION: function,
            ENV_HOLDING_BUCKET: self.holding_bucket(account),
        }
