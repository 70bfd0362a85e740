"""Which deployed pipeline a command means: names from :class:`Naming`, region from the project."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AwsError, ProjectError
from ..naming import Naming
from ..project import Project
from .aws import AwsClients, aws_errors


@dataclass(frozen=True)
class DeployedPipeline:
    naming: Naming
    region: str
    layer: str
    pipeline: str
    expected_account: str | None = None  # the project's AWS_ACCOUNT / UNIVERSAL.account, if set

    @property
    def environment(self) -> str:
        return self.naming.env

    @property
    def state_machine_name(self) -> str:
        return self.naming.state_machine(self.layer, self.pipeline)

    def state_machine_arn(self, account: str) -> str:
        return self.naming.state_machine_arn(self.region, account, self.layer, self.pipeline)

    def log_group(self, function: str) -> str:
        return self.naming.lambda_log_group(self.layer, self.pipeline, function)

    def not_deployed(self) -> tuple[str, str]:
        return (
            f"Pipeline {self.layer}/{self.pipeline} is not deployed to {self.environment} in {self.region} "
            f"(no state machine {self.state_machine_name}).",
            f"deploy it: 'invoke deploy --env {self.environment} --pipeline {self.pipeline} --layer {self.layer}'",
        )


def resolve(
    project: Project, pipeline: str, layer: str | None, environment: str, account: str | None = None
) -> DeployedPipeline:
    module = project.settings()
    universal = getattr(module, "UNIVERSAL", None)
    environments = getattr(module, "ENVIRONMENTS", {}) or {}
    if universal is None:
        raise ProjectError("project_settings.py defines no UNIVERSAL.", "restore it from the template")
    if environment not in environments:
        raise ProjectError(
            f"Unknown environment {environment!r}.", f"use one of {sorted(environments)} with --env"
        )
    layer, pipeline = project.resolve_pipeline(pipeline, layer)
    # the project's region is where deploy put everything, whatever the shell's AWS_REGION says
    expected = account or universal.account
    return DeployedPipeline(Naming(universal.slug, environment), universal.region, layer, pipeline, expected)


def account_id(clients: AwsClients, expected: str | None = None) -> str:
    """The account of the current credentials, checked against the project's when it names one."""
    with aws_errors("find your AWS account (sts get-caller-identity)"):
        account = str(clients.sts.get_caller_identity()["Account"])
    if expected and expected != account:
        raise AwsError(
            f"The AWS credentials are for account {account}, but the project deploys to {expected}.",
            f"switch to credentials for {expected} (AWS_PROFILE or aws-vault exec <profile>)",
        )
    return account
