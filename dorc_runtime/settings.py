"""Every setting of a config repository, resolved in one place.

The ``.env`` variables (the seed's names) are read with pydantic-settings; :func:`resolve_settings`
combines them with ``project_settings.py``. One order everywhere, as in powertools:
explicit argument > environment variable > ``.env`` file > ``project_settings.py`` > default.
``invoke plan``, ``preview``, ``deploy``, ``destroy`` and the Pulumi programs all use it, so the
account a plan shows is the account a deploy uses.

The region is the exception: it is ``UNIVERSAL.region`` only. A shell's ``AWS_REGION`` is often set
per profile by aws-vault or SSO, and every ARN dorc derives and each ``Pulumi.<stack>.yaml``
(``aws:region``) follow the project's region, so an override from the shell would split a project.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ProjectError
from .names import ACCOUNT_PATTERN

if TYPE_CHECKING:
    from .models.config import Config, UniversalConfig

ACCOUNT_VARIABLE = "AWS_ACCOUNT"
ENV_FILE = ".env"


class DorcEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    AWS_ACCOUNT: str | None = Field(default=None, description="12-digit AWS account id to deploy to")
    AWS_REGION: str | None = Field(default=None, description="not an override: the region is UNIVERSAL.region")
    CONFIG_REPO_PATH: Path = Field(default=Path("."), description="the repository, when a task runs outside it")
    INFRA_BUCKET: str | None = Field(default=None, description="S3 bucket holding Pulumi state")
    UNIVERSAL_STACK_NAME: str = Field(default="universal", description="folder of the universal stack")
    INFRA_STACK_NAME: str = Field(default="infra", description="folder of the infra stack")
    PULUMI_CONFIG_PASSPHRASE: SecretStr | None = Field(default=None, description="encrypts stack secrets")
    PULUMI_BACKEND_URL: str | None = Field(default=None, description="overrides INFRA_BUCKET")


def load_environment(project_root: Path) -> DorcEnvironment:
    """Read the project's ``.env`` (if any) with real environment variables taking precedence."""
    return DorcEnvironment(_env_file=project_root / ENV_FILE)  # type: ignore[call-arg]


@dataclass(frozen=True)
class Account:
    """The account to deploy to, and which setting chose it (so messages say what to change)."""

    id: str | None
    source: str  # e.g. "AWS_ACCOUNT in .env"; "" when no setting names one


NO_ACCOUNT = Account(None, "")


def resolve_account(
    explicit: str | None,
    env: DorcEnvironment,
    universal_account: str | None,
    environ: Mapping[str, str] | None = None,
) -> Account:
    """explicit > ``AWS_ACCOUNT`` (environment variable, then ``.env``) > ``UNIVERSAL.account``.

    Empty values count as unset, as in ``.env.example``. No default: when nothing names an
    account, deploy asks the credentials (STS) and ``invoke plan`` shows a placeholder.
    """
    environ = os.environ if environ is None else environ
    if explicit:
        found = Account(explicit, "the command line")
    elif env.AWS_ACCOUNT:
        where = "the environment" if environ.get(ACCOUNT_VARIABLE) else ENV_FILE
        found = Account(env.AWS_ACCOUNT.strip(), f"{ACCOUNT_VARIABLE} in {where}")
    elif universal_account:
        found = Account(universal_account, "UNIVERSAL.account in project_settings.py")
    else:
        return NO_ACCOUNT
    if not re.match(ACCOUNT_PATTERN, found.id or ""):
        raise ProjectError(
            f"The AWS account id {found.id!r} ({found.source}) is not 12 digits.",
            f"set {ACCOUNT_VARIABLE} to your 12-digit account id, or leave it empty to use your credentials' account",
        )
    return found


@dataclass(frozen=True)
class ProjectSettings:
    """A project's settings after resolution: what every command and program reads."""

    root: Path
    env: DorcEnvironment
    module: ModuleType  # project_settings.py, for its own helpers such as config()
    universal: UniversalConfig
    environments: Mapping[str, Config]
    account: Account

    @property
    def region(self) -> str:
        return self.universal.region

    @property
    def universal_dir(self) -> Path:
        return self.root / self.env.UNIVERSAL_STACK_NAME

    @property
    def infra_dir(self) -> Path:
        return self.root / self.env.INFRA_STACK_NAME


def resolve_settings(
    project_root: Path, *, account: str | None = None, env: DorcEnvironment | None = None
) -> ProjectSettings:
    """Resolve a project's settings; ``env`` replaces reading ``.env`` (tests pass their own)."""
    from .project import Project  # project.py loads models lazily; keep this module light too

    env = env if env is not None else load_environment(project_root)
    module = Project(project_root).settings()
    universal = getattr(module, "UNIVERSAL", None)
    environments = getattr(module, "ENVIRONMENTS", None)
    if universal is None or environments is None:
        raise ProjectError(
            f"{project_root / 'project_settings.py'} must define UNIVERSAL and ENVIRONMENTS.",
            "restore project_settings.py from the template",
        )
    return ProjectSettings(
        root=project_root,
        env=env,
        module=module,
        universal=universal,
        environments=environments,
        account=resolve_account(account, env, universal.account),
    )


def program_account(universal_account: str | None, start: Path | None = None) -> Account:
    """The account inside a Pulumi program: the same order, with the project's ``.env`` found from
    the program's folder. dorc passes the resolved account in ``AWS_ACCOUNT``, so a program run by
    ``invoke deploy`` always agrees with the command; one run by hand still reads ``.env``."""
    from .project import Project

    try:
        root = Project.find(start).root
    except ProjectError:  # a program outside a config repository: only the environment counts
        env = DorcEnvironment(_env_file=None)  # type: ignore[call-arg]
    else:
        env = load_environment(root)
    return resolve_account(None, env, universal_account)
