"""One pipeline in one environment: per function a package, a Lambda and its log group; the state
machine from the shared ASL builder; triggers; failure notifications; least-privilege roles."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from ...asl import NamingResolver, build_state_machine
from ...asl.types import START_EXECUTION_SYNC
from ...errors import DeployError
from ...models.config import Config
from ...models.definition import CronTrigger, Function, NextFunctionTypes, PipelineDefinition, S3Trigger
from ...naming import ENV_ENVIRONMENT
from .. import iam
from ..context import DeployContext, base_tags
from ..images import PackageInputs, package_inputs
from ..packaging import PACKAGER
from ..publish.assets import image_asset
from .events import failure_pattern, s3_object_created_pattern
from .schedules import zoned_schedules, zoned_triggers

DORC_ENV_PREFIX = ENV_ENVIRONMENT.split("_")[0] + "_"  # "DORC_": reserved for dorc's own variables
STANDARD_LOG_LEVEL = "ERROR"
# Express executions have no execution history: their logs are the only record, so log them all.
EXPRESS_LOG_LEVEL = "ALL"


@dataclass(frozen=True)
class SharedOutputs:
    """What the pipeline reads from the infra stack (StackReference outputs)."""

    holding_bucket: pulumi.Input[str]
    failure_topic_arn: pulumi.Input[str]
    security_group_id: pulumi.Input[str] | None = None


def downstream_pipelines(definition: PipelineDefinition) -> list[tuple[str, str]]:
    """(layer, pipeline) of every pipeline this one starts, in order, without repeats."""
    found: list[tuple[str, str]] = []
    for fn in definition.functions:
        for step in fn.next_steps:
            if step.type is NextFunctionTypes.PIPELINE:
                target = (step.layer or definition.layer, step.name)
                if target not in found:
                    found.append(target)
    return found


def uses_sync_start(machine: dict) -> bool:
    """Whether the ASL waits for child executions (``startExecution.sync``), anywhere in it."""
    return START_EXECUTION_SYNC in json.dumps(machine)


def function_environment(base: dict[str, str], fn: Function, where: str) -> dict[str, str]:
    clash = sorted(key for key in fn.environment if key.startswith(DORC_ENV_PREFIX))
    if clash:
        raise DeployError(
            f"{where}: function {fn.name!r} sets {', '.join(clash)}; variables starting with {DORC_ENV_PREFIX} are dorc's own.",
            "rename the variable in Function(environment=...)",
        )
    return {**base, **fn.environment}


def relative(path: Path) -> str:
    """Paths in resource inputs are relative to the program folder (Pulumi's working directory),
    so a plan or state does not depend on where the project is checked out."""
    return Path(os.path.relpath(path, Path.cwd())).as_posix()


class Pipeline(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        context: DeployContext,
        config: Config,
        definition: PipelineDefinition,
        shared: SharedOutputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dorc:pipeline:Pipeline", name, None, opts)
        self.context = context
        self.config = config
        self.definition = definition
        self.shared = shared
        self.layer, self.pipeline = definition.layer, definition.name
        self.tags = base_tags(
            context.universal, environment=context.environment, layer=self.layer, pipeline=self.pipeline
        )
        naming = context.naming
        resolver = NamingResolver(naming, context.region, context.account, self.layer, self.pipeline)
        self.machine = build_state_machine(definition, resolver)
        self.state_machine_arn = naming.state_machine_arn(context.region, context.account, self.layer, self.pipeline)

        self.lambda_role = self._lambda_role()
        self.functions = {fn.name: self._function(fn) for fn in definition.functions}
        self.state_machine = self._state_machine()
        self.trigger_rules = self._triggers()
        self.failure_rule = self._failure_notifications()
        self.register_outputs(
            {
                "state_machine_arn": self.state_machine.arn,
                "function_arns": {key: fn.arn for key, fn in self.functions.items()},
            }
        )

    # -- helpers ------------------------------------------------------------------------------------
    def _child(self, **kwargs) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _role(self, logical: str, name: str, service: str, policy: pulumi.Input[str], extra_policy: str | None = None):
        trust_account = None if service == "lambda.amazonaws.com" else self.context.account
        role = aws.iam.Role(
            logical,
            name=name,
            assume_role_policy=json.dumps(iam.assume_role_policy(service, trust_account)),
            tags=self.tags,
            opts=self._child(),
        )
        role_policy = aws.iam.RolePolicy(logical, role=role.id, policy=policy, opts=pulumi.ResourceOptions(parent=role))
        if extra_policy:
            aws.iam.RolePolicyAttachment(
                f"{logical}-additional", role=role.name, policy_arn=extra_policy, opts=pulumi.ResourceOptions(parent=role)
            )
        return role, role_policy

    # -- Lambda -------------------------------------------------------------------------------------
    def _lambda_role(self) -> aws.iam.Role:
        ctx, naming = self.context, self.context.naming
        log_groups = [
            naming.lambda_log_group_arn(ctx.region, ctx.account, self.layer, self.pipeline, fn.name)
            for fn in self.definition.functions
        ]
        bucket_arn = naming.holding_bucket_arn(ctx.account)
        if self.config.vpc_id:
            policy = pulumi.Output.from_input(self.shared.security_group_id).apply(
                lambda group: json.dumps(
                    iam.lambda_policy(
                        log_groups,
                        bucket_arn,
                        iam.vpc_network_statements(ctx.region, ctx.account, self.config.private_subnet_ids, [group]),
                    )
                )
            )
        else:
            policy = json.dumps(iam.lambda_policy(log_groups, bucket_arn))
        role, self.lambda_role_policy = self._role(
            "lambda-role",
            naming.lambda_role(self.layer, self.pipeline),
            "lambda.amazonaws.com",
            policy,
            self.config.additional_lambda_role_policy_arn,
        )
        return role

    def _package_inputs(self, fn: Function) -> PackageInputs:
        return package_inputs(
            self.definition.project_root,
            self.definition.pipeline_dir,
            fn.name,
            package_type=fn.package_type,
            architecture=fn.architecture,
            python_version=self.context.universal.python_version,
        )

    def _image_uri(self, fn: Function) -> str:
        """``<repository>:<content tag>``: the publish stage pushed it before this stack runs, once
        for every environment, so the stack only names it (no image resource, no build here)."""
        ctx = self.context
        repository_url = ctx.naming.ecr_repository_url(ctx.region, ctx.account, self.layer, self.pipeline, fn.name)
        return image_asset(self.definition, fn, ctx.naming).uri(repository_url)

    def _function(self, fn: Function) -> aws.lambda_.Function:
        ctx, naming, config = self.context, self.context.naming, self.config
        where = f"{self.layer}/{self.pipeline}"
        log_group = aws.cloudwatch.LogGroup(
            f"{fn.name}-logs",
            name=naming.lambda_log_group(self.layer, self.pipeline, fn.name),
            retention_in_days=config.log_retention_days,
            tags=self.tags,
            opts=self._child(),
        )
        environment = function_environment(
            naming.handler_environment(ctx.account, self.layer, self.pipeline, fn.name), fn, where
        )
        package: dict = {}
        if fn.package_type == "image":
            package = {"package_type": "Image", "image_uri": self._image_uri(fn)}
        else:
            archive = PACKAGER.get().package(self._package_inputs(fn), naming.lambda_function(self.layer, self.pipeline, fn.name))
            package = {
                "package_type": "Zip",
                "runtime": f"python{ctx.universal.python_version}",
                "handler": "lambda.handler",
                "code": pulumi.FileArchive(relative(archive)),
            }
        vpc = None
        if config.vpc_id:
            vpc = {
                "subnet_ids": list(config.private_subnet_ids),
                "security_group_ids": [pulumi.Output.from_input(self.shared.security_group_id)],
            }
        return aws.lambda_.Function(
            fn.name,
            name=naming.lambda_function(self.layer, self.pipeline, fn.name),
            role=self.lambda_role.arn,
            architectures=[fn.architecture],
            memory_size=fn.memory_mb,
            timeout=fn.timeout_seconds,
            reserved_concurrent_executions=-1 if fn.reserved_concurrency is None else fn.reserved_concurrency,
            environment={"variables": environment},
            vpc_config=vpc,
            tags={**self.tags, "dorc:function": fn.name},
            # the log group (with its retention) must exist before Lambda creates it on first run
            opts=self._child(depends_on=[log_group, self.lambda_role_policy]),
            **package,
        )

    # -- Step Functions -----------------------------------------------------------------------------
    def _state_machine(self) -> aws.sfn.StateMachine:
        ctx, naming = self.context, self.context.naming
        lambda_arns = [
            naming.lambda_arn(ctx.region, ctx.account, self.layer, self.pipeline, fn.name)
            for fn in self.definition.functions
        ]
        downstream = [
            naming.state_machine_arn(ctx.region, ctx.account, layer, pipeline)
            for layer, pipeline in downstream_pipelines(self.definition)
        ]
        policy = iam.state_machine_policy(
            lambda_arns,
            downstream,
            wait_for_downstream=uses_sync_start(self.machine),
            region=ctx.region,
            account=ctx.account,
        )
        role, role_policy = self._role(
            "sfn-role",
            naming.state_machine_role(self.layer, self.pipeline),
            "states.amazonaws.com",
            json.dumps(policy),
            self.config.additional_state_machine_role_policy_arn,
        )
        log_group = aws.cloudwatch.LogGroup(
            "sfn-logs",
            name=naming.state_machine_log_group(self.layer, self.pipeline),
            retention_in_days=self.config.log_retention_days,
            tags=self.tags,
            opts=self._child(),
        )
        express = self.definition.type == "EXPRESS"
        return aws.sfn.StateMachine(
            "state-machine",
            name=naming.state_machine(self.layer, self.pipeline),
            type=self.definition.type,
            role_arn=role.arn,
            definition=json.dumps(self.machine),
            logging_configuration={
                "level": EXPRESS_LOG_LEVEL if express else STANDARD_LOG_LEVEL,
                "include_execution_data": express,
                "log_destination": log_group.arn.apply(lambda arn: f"{arn}:*"),
            },
            tags=self.tags,
            opts=self._child(depends_on=[role_policy, *self.functions.values()]),
        )

    # -- EventBridge --------------------------------------------------------------------------------
    def _triggers(self) -> list[aws.cloudwatch.EventRule]:
        triggers = self.definition.triggers
        naming, ctx = self.context.naming, self.context
        zoned = zoned_triggers(self.definition, ctx.universal.timezone, naming)
        self.schedules = zoned_schedules(
            self,
            zoned,
            naming.scheduler_role(self.layer, self.pipeline),
            ctx.account,
            self.state_machine_arn,
            self.state_machine.arn,
            self.tags,
            f"{self.layer}/{self.pipeline}",
        )
        scheduled = {z.index for z in zoned}
        if len(scheduled) == len(triggers):
            return []
        role, role_policy = self._role(
            "events-role",
            naming.events_role(self.layer, self.pipeline),
            "events.amazonaws.com",
            json.dumps(iam.events_policy(self.state_machine_arn)),
        )
        rules = []
        for index, trigger in enumerate(triggers):
            if index in scheduled:
                continue
            kind = "cron" if isinstance(trigger, CronTrigger) else "s3"
            logical = f"trigger-{kind}-{index}"
            rule_args: dict = {"name": naming.trigger_rule(self.layer, self.pipeline, f"{kind}-{index}")}
            target_args: dict = {}
            if isinstance(trigger, CronTrigger):
                rule_args["schedule_expression"] = trigger.expression
                rule_args["state"] = "ENABLED" if trigger.enabled else "DISABLED"
                target_args["input"] = json.dumps(trigger.input)
            else:
                rule_args["event_pattern"] = self._s3_pattern(trigger)
            rule = aws.cloudwatch.EventRule(logical, tags=self.tags, opts=self._child(), **rule_args)
            aws.cloudwatch.EventTarget(
                logical,
                rule=rule.name,
                arn=self.state_machine.arn,
                role_arn=role.arn,
                opts=pulumi.ResourceOptions(parent=rule, depends_on=[role_policy]),
                **target_args,
            )
            rules.append(rule)
        return rules

    def _s3_pattern(self, trigger: S3Trigger) -> pulumi.Input[str]:
        bucket = trigger.bucket or self.shared.holding_bucket
        return pulumi.Output.from_input(bucket).apply(
            lambda name: json.dumps(s3_object_created_pattern(name, trigger.prefix, trigger.suffix))
        )

    def _failure_notifications(self) -> aws.cloudwatch.EventRule | None:
        if self.definition.type == "EXPRESS":
            # Step Functions sends execution status events to EventBridge for Standard workflows only.
            return None
        naming = self.context.naming
        rule = aws.cloudwatch.EventRule(
            "failed",
            name=naming.failure_rule(self.layer, self.pipeline),
            event_pattern=json.dumps(failure_pattern(self.state_machine_arn)),
            tags=self.tags,
            opts=self._child(),
        )
        aws.cloudwatch.EventTarget(
            "failed", rule=rule.name, arn=self.shared.failure_topic_arn, opts=pulumi.ResourceOptions(parent=rule)
        )
        return rule
