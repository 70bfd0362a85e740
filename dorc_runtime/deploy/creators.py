"""The seed's entry points, called from a project's Pulumi programs:

``CreateUniversal(UNIVERSAL).apply()`` in ``universal/__main__.py``,
``CreateInfra(config()).apply()`` in ``infra/__main__.py`` and
``CreatePipeline(config(), pipeline_definition).apply()`` in each pipeline's ``__main__.py``.

They validate their input, build the context (environment, account, names), instantiate the
components and export the outputs the other stacks read through StackReferences.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi

from ..environment import current_environment
from ..errors import DefinitionError, DeployError
from ..models.config import Config, UniversalConfig
from ..models.definition import PipelineDefinition
from ..project import Project, folder_problems
from ..settings import program_account
from . import context as keys
from .components.infra import Infra, InfraExtension
from .components.pipeline import Pipeline, SharedOutputs
from .components.universal import Universal
from .context import DeployContext, resolve_account


def _organization() -> str:
    try:
        return pulumi.get_organization() or keys.DEFAULT_ORGANIZATION
    except Exception:  # older engines do not report an organization: file and S3 backends use this
        return keys.DEFAULT_ORGANIZATION


def _environment_config(config: Config) -> Config:
    """The Config with its environment: its own, else DORC_ENVIRONMENT, else the stack's config."""
    if not isinstance(config, Config):
        raise DeployError(f"expected a dorc Config, got {type(config).__name__}", "pass config() from project_settings")
    environment = current_environment(config.environment)
    if environment is None:
        raise DeployError(
            "This stack has no environment.",
            "add 'config: {<project>:environment: <env>}' to Pulumi.<env>.yaml or set DORC_ENVIRONMENT",
        )
    return config.with_environment(environment)


def default_extensions() -> tuple[InfraExtension, ...]:
    from ..submissions.deploy import submissions_extension

    return (submissions_extension(),)


class CreateUniversal:
    """ECR repositories for every function found in the project tree."""

    def __init__(self, config: UniversalConfig, project_root: Path | None = None) -> None:
        if not isinstance(config, UniversalConfig):
            raise DeployError(
                f"expected a dorc UniversalConfig, got {type(config).__name__}", "pass UNIVERSAL from project_settings"
            )
        self.config = config
        self.project_root = project_root

    def functions(self) -> list[tuple[str, str, str]]:
        project = Project(self.project_root) if self.project_root else Project.find()
        return [
            (layer, pipeline, function)
            for layer, pipeline in project.all_pipelines()
            for function in project.function_folders(layer, pipeline)
        ]

    def apply(self) -> Universal:
        account = program_account(self.config.account).id  # optional: repositories need no ARN
        context = DeployContext(self.config, account=account, organization=_organization())
        universal = Universal("universal", context, self.functions())
        pulumi.export(keys.REPOSITORY_URLS, universal.repository_urls)
        pulumi.export(keys.REPOSITORY_ARNS, universal.repository_arns)
        return universal


class CreateInfra:
    """One environment's shared infrastructure.

    ``extensions`` add resources to the infra stack after the core ones; each returns the stack
    outputs it wants exported. By default that is submissions (bucket, dispatcher, rule), which
    adds nothing unless the project's ``routes.py`` declares routes.
    """

    def __init__(self, config: Config, extensions: Sequence[InfraExtension] | None = None) -> None:
        self.config = _environment_config(config)
        self.extensions = tuple(default_extensions() if extensions is None else extensions)

    def apply(self) -> Infra:
        config = self.config
        context = DeployContext(
            config.universal, resolve_account(config.universal), config.environment, _organization()
        )
        infra = Infra("infra", context, config, self.extensions)
        pulumi.export(keys.HOLDING_BUCKET, infra.holding.bucket.bucket)
        pulumi.export(keys.HOLDING_BUCKET_ARN, infra.holding.bucket.arn)
        pulumi.export(keys.FAILURE_TOPIC_ARN, infra.failures.topic.arn)
        if infra.security_group is not None:
            pulumi.export(keys.SECURITY_GROUP_ID, infra.security_group.id)
        for name, value in infra.extension_outputs.items():
            pulumi.export(name, value)
        return infra


class CreatePipeline:
    """One pipeline in one environment."""

    def __init__(self, config: Config, definition: PipelineDefinition) -> None:
        if not isinstance(definition, PipelineDefinition):
            raise DeployError(
                f"expected a PipelineDefinition, got {type(definition).__name__}",
                "pass the PipelineDefinition defined in this __main__.py",
            )
        self.config = _environment_config(config)
        self.definition = definition
        problems = folder_problems(definition, Project(definition.project_root))
        if problems:
            raise DefinitionError(problems, "fix the pipeline as each line says, then deploy again")

    def apply(self) -> Pipeline:
        config, definition = self.config, self.definition
        context = DeployContext(
            config.universal, resolve_account(config.universal), config.environment, _organization()
        )
        # The ECR repository URL is derived from naming, like every ARN: reading universal's map of
        # all repositories in every pipeline stack made each stack cost O(project size).
        infra = pulumi.StackReference("infra", stack_name=context.infra_stack())
        shared = SharedOutputs(
            holding_bucket=infra.require_output(keys.HOLDING_BUCKET),
            failure_topic_arn=infra.require_output(keys.FAILURE_TOPIC_ARN),
            security_group_id=infra.require_output(keys.SECURITY_GROUP_ID) if config.vpc_id else None,
        )
        pipeline = Pipeline(f"{definition.layer}-{definition.name}", context, config, definition, shared)
        pulumi.export("state_machine_arn", pipeline.state_machine.arn)
        pulumi.export("state_machine_name", pipeline.state_machine.name)
        pulumi.export("function_names", {name: fn.name for name, fn in pipeline.functions.items()})
        return pipeline
