"""The Pulumi stacks of a project: which program folder, which stack name, which environment.

Pure. A project has one universal stack, one infra stack per environment and one stack per
(layer, pipeline, environment); each pipeline is its own Pulumi project, so its stack is just
named after the environment (see :class:`dorc_runtime.naming.Naming`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ...errors import ProjectError
from ...naming import ENV_ENVIRONMENT, Naming
from ...project import Project
from ...settings import (
    ACCOUNT_VARIABLE,
    NO_ACCOUNT,
    Account,
    DorcEnvironment,
    ProjectSettings,
    resolve_settings,
)
from .backend import Backend


class StackKind(str, Enum):
    UNIVERSAL = "universal"
    INFRA = "infra"
    PIPELINE = "pipeline"


@dataclass(frozen=True)
class StackRef:
    """One Pulumi stack: the program folder Pulumi runs and the stack name inside its project."""

    kind: StackKind
    name: str
    work_dir: Path
    environment: str | None = None
    layer: str | None = None
    pipeline: str | None = None

    @property
    def label(self) -> str:
        if self.kind is StackKind.UNIVERSAL:
            return "universal"
        if self.kind is StackKind.INFRA:
            return f"infra [{self.environment}]"
        return f"pipeline {self.layer}/{self.pipeline} [{self.environment}]"


@dataclass(frozen=True)
class Layout:
    """What the stack plans need to know about a project, read once from disk."""

    root: Path
    slug: str
    region: str
    environments: tuple[str, ...]
    pipelines: tuple[tuple[str, str], ...]
    universal_dir: Path
    infra_dir: Path
    account: Account = NO_ACCOUNT  # resolved settings; the credentials' account once checked

    @classmethod
    def read(cls, project: Project, settings: DorcEnvironment) -> Layout:
        return cls.of(resolve_settings(project.root, env=settings), project)

    @classmethod
    def of(cls, settings: ProjectSettings, project: Project) -> Layout:
        return cls(
            root=project.root,
            slug=settings.universal.slug,
            # the project's region, not the shell's AWS_REGION (aws-vault sets that per profile)
            region=settings.region,
            environments=tuple(settings.environments),
            pipelines=tuple(project.all_pipelines()),
            universal_dir=settings.universal_dir,
            infra_dir=settings.infra_dir,
            account=settings.account,
        )

    def check_environment(self, environment: str) -> str:
        if environment not in self.environments:
            raise ProjectError(
                f"Unknown environment {environment!r}.",
                f"use one of {sorted(self.environments)}, or add it to ENVIRONMENTS in project_settings.py",
            )
        return environment

    def universal(self) -> StackRef:
        return StackRef(StackKind.UNIVERSAL, Naming.UNIVERSAL_STACK, self.universal_dir)

    def infra(self, environment: str) -> StackRef:
        stack = Naming(self.slug, environment).infra_stack()
        return StackRef(StackKind.INFRA, stack, self.infra_dir, environment)

    def pipeline(self, environment: str, layer: str, pipeline: str) -> StackRef:
        stack = Naming(self.slug, environment).pipeline_stack()
        work_dir = self.root / "src" / layer / pipeline
        return StackRef(StackKind.PIPELINE, stack, work_dir, environment, layer, pipeline)

    def pipeline_stacks(self, environment: str) -> list[StackRef]:
        return [self.pipeline(environment, layer, name) for layer, name in self.pipelines]


def program_environment(
    layout: Layout,
    stack: StackRef,
    backend: Backend,
    passphrase: str | None,
    python: str,
    inherited: dict[str, str] | None = None,
) -> dict[str, str]:
    """Environment variables for the Pulumi CLI and the program it runs for ``stack``.

    The backend goes in ``PULUMI_BACKEND_URL`` rather than ``project_settings`` because the
    Automation API writes project settings into the user's ``Pulumi.yaml``; the variable takes
    precedence over that file and leaves the tree clean.
    """
    inherited = dict(os.environ if inherited is None else inherited)
    pythonpath = os.pathsep.join(p for p in (str(layout.root), inherited.get("PYTHONPATH", "")) if p)
    env = {
        "PYTHONPATH": pythonpath,
        "PULUMI_BACKEND_URL": backend.url,
        "AWS_REGION": layout.region,
        # run the program with the interpreter that runs dorc, which has dorc_runtime's deps,
        # unless the user chose one (Pulumi.yaml's virtualenv option still wins over both)
        "PULUMI_PYTHON_CMD": inherited.get("PULUMI_PYTHON_CMD", python),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    if layout.account.id is not None:
        # the resolved account (or the credentials'), so every program derives the same ARNs
        env[ACCOUNT_VARIABLE] = layout.account.id
    if stack.environment is not None:
        env[ENV_ENVIRONMENT] = stack.environment
    if passphrase is not None:
        env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
    return env
