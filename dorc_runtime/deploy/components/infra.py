"""The per-environment stack: holding store, failure topic, Lambda security group.

IAM roles are per pipeline (in :mod:`.pipeline`) so each role can name exactly its own
functions and downstream pipelines; the infra stack grants EventBridge the right to publish
failures to the topic.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from ...models.config import Config
from .. import iam
from ..context import DeployContext, base_tags
from .bucket import expire_temporary_rule, housekeeping_rule, protected_bucket


def holding_lifecycle_rules(config: Config) -> list[dict]:
    """Temporary data expires; old object versions and abandoned uploads do not pile up."""
    return [expire_temporary_rule(config.holding_temporary_prefix, config.holding_temporary_days), housekeeping_rule()]


class HoldingStore(pulumi.ComponentResource):
    """The bucket pipelines pass data through: encrypted, versioned, private, TLS only."""

    def __init__(self, name: str, context: DeployContext, config: Config, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dorc:infra:HoldingStore", name, None, opts)
        self.bucket = protected_bucket(
            name,
            context.naming.holding_bucket(context.account),
            tags=base_tags(context.universal, environment=context.environment),
            lifecycle_rules=holding_lifecycle_rules(config),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"bucket": self.bucket.bucket, "arn": self.bucket.arn})


class FailureTopic(pulumi.ComponentResource):
    """SNS topic that failed, timed-out and aborted executions are published to."""

    def __init__(self, name: str, context: DeployContext, config: Config, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dorc:infra:FailureTopic", name, None, opts)
        naming = context.naming
        child = pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(
            name, name=naming.failure_topic(), tags=base_tags(context.universal, environment=context.environment), opts=child
        )
        topic_arn = naming.failure_topic_arn(context.region, context.account)
        aws.sns.TopicPolicy(
            name,
            arn=self.topic.arn,
            policy=json.dumps(iam.failure_topic_policy(topic_arn, context.account)),
            opts=pulumi.ResourceOptions(parent=self.topic),
        )
        for index, email in enumerate(config.failure_notification_emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{index}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=pulumi.ResourceOptions(parent=self.topic),
            )
        self.register_outputs({"arn": self.topic.arn})


# An extension adds resources to the infra stack (e.g. submissions' bucket and dispatcher) and
# returns the stack outputs it wants exported. It runs after the core resources exist.
InfraExtension = Callable[["Infra"], dict[str, pulumi.Input]]


class Infra(pulumi.ComponentResource):
    """Everything one environment's pipelines share."""

    def __init__(
        self,
        name: str,
        context: DeployContext,
        config: Config,
        extensions: tuple[InfraExtension, ...] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dorc:infra:Infra", name, None, opts)
        self.context = context
        self.config = config
        child = pulumi.ResourceOptions(parent=self)
        self.holding = HoldingStore("holding", context, config, child)
        self.failures = FailureTopic("failures", context, config, child)
        self.security_group: aws.ec2.SecurityGroup | None = None
        if config.vpc_id:
            self.security_group = aws.ec2.SecurityGroup(
                "lambdas",
                name=context.naming.security_group(),
                description=f"dorc {context.universal.slug} {context.environment} Lambda functions (egress only)",
                vpc_id=config.vpc_id,
                egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
                tags=base_tags(context.universal, environment=context.environment),
                opts=child,
            )
        self.extension_outputs: dict[str, pulumi.Input] = {}
        for extension in extensions:
            self.extension_outputs.update(extension(self))
        self.register_outputs({})
