"""What every component needs to know besides its own config: names, region, account, tags, and
how the stacks find each other's outputs.

Pure apart from resolving the account (``dorc_runtime.settings``: ``AWS_ACCOUNT`` > ``.env`` >
``UNIVERSAL.account``), which reads the environment and the project's ``.env``.
The stack-output keys below are the contract between the universal, infra and pipeline stacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DeployError
from ..models.config import UniversalConfig
from ..naming import Naming
from ..settings import program_account

# -- stack outputs (the contract between stacks) ------------------------------------------------
REPOSITORY_URLS = "repository_urls"  # universal: {"layer/pipeline/function": url}
REPOSITORY_ARNS = "repository_arns"  # universal: {"layer/pipeline/function": arn}
HOLDING_BUCKET = "holding_bucket"  # infra: bucket name
HOLDING_BUCKET_ARN = "holding_bucket_arn"
FAILURE_TOPIC_ARN = "failure_topic_arn"
SECURITY_GROUP_ID = "security_group_id"  # infra, only with a VPC
DEFAULT_ORGANIZATION = "organization"  # what file and S3 backends call every organization


def function_key(layer: str, pipeline: str, function: str) -> str:
    return f"{layer}/{pipeline}/{function}"


def resolve_account(universal: UniversalConfig) -> str:
    """The account every ARN is derived from (never looked up inside a program)."""
    account = program_account(universal.account).id
    if not account:
        raise DeployError(
            "No AWS account id: dorc derives every ARN from it.",
            "run the stack through 'invoke deploy' (it uses your credentials' account), or set "
            "AWS_ACCOUNT in .env, or account= in UNIVERSAL (project_settings.py)",
        )
    return account


def base_tags(universal: UniversalConfig, **scope: str | None) -> dict[str, str]:
    """The user's tags plus dorc's own, so every resource can be traced to its pipeline."""
    tags = dict(universal.tags)
    tags["dorc:project"] = universal.slug
    for key, value in scope.items():
        if value:
            tags[f"dorc:{key}"] = value
    return tags


@dataclass(frozen=True)
class DeployContext:
    """Names and coordinates shared by one stack's components."""

    universal: UniversalConfig
    account: str
    environment: str | None = None
    organization: str = DEFAULT_ORGANIZATION

    @property
    def region(self) -> str:
        return self.universal.region

    @property
    def naming(self) -> Naming:
        return Naming(self.universal.slug, self.environment)

    def universal_stack(self) -> str:
        project = Naming.universal_project(self.universal.slug)
        return Naming.stack_reference(self.organization, project, Naming.UNIVERSAL_STACK)

    def infra_stack(self) -> str:
        project = Naming.infra_project(self.universal.slug)
        return Naming.stack_reference(self.organization, project, self.naming.infra_stack())
