"""The environment-agnostic stack: one ECR repository per (layer, pipeline, function)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from ..context import DeployContext, base_tags, function_key

UNTAGGED_DAYS = 1


def lifecycle_policy(untagged_days: int = UNTAGGED_DAYS) -> dict:
    """Expire untagged images only; never a tagged one.

    A repository serves every environment, and each environment's Lambda runs a tagged image
    (``repo:<content tag>``): a count rule over tagged images would let preprod's pushes expire the
    image prod still runs (Lambda then fails with ``ImageDeleted``). Untagged images are the
    leftovers of multi-platform or interrupted pushes; no Lambda references them.
    """
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"expire untagged images after {untagged_days} day(s)",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": untagged_days,
                },
                "action": {"type": "expire"},
            }
        ]
    }


class Universal(pulumi.ComponentResource):
    """ECR repositories for every function of the project, shared by all environments."""

    repository_urls: dict[str, pulumi.Output[str]]
    repository_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        context: DeployContext,
        functions: Sequence[tuple[str, str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dorc:universal:Universal", name, None, opts)
        naming = context.naming
        tags = base_tags(context.universal)
        policy = json.dumps(lifecycle_policy())
        self.repository_urls = {}
        self.repository_arns = {}
        for layer, pipeline, function in functions:
            key = function_key(layer, pipeline, function)
            logical = key.replace("/", "-")
            repository = aws.ecr.Repository(
                logical,
                name=naming.ecr_repository(layer, pipeline, function),
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configurations=[{"encryption_type": "KMS"}],
                force_delete=False,
                tags={**tags, "dorc:layer": layer, "dorc:pipeline": pipeline, "dorc:function": function},
                # A function removed or renamed drops its repository from this stack, but an
                # environment not yet redeployed may still run its images: keep it in AWS
                # (docs/deploy.md, "Removals"). Deleting it would also fail while it holds images.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            aws.ecr.LifecyclePolicy(
                logical,
                repository=repository.name,
                policy=policy,
                opts=pulumi.ResourceOptions(parent=repository),
            )
            self.repository_urls[key] = repository.repository_url
            self.repository_arns[key] = repository.arn
        self.register_outputs({"repository_urls": self.repository_urls, "repository_arns": self.repository_arns})
