"""The ``.env`` variables of a config repository (the seed's names), read with pydantic-settings.

Resolution order, everywhere: explicit argument > environment variable > ``.env`` file > default.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DorcEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    AWS_ACCOUNT: str | None = Field(default=None, description="12-digit AWS account id")
    AWS_REGION: str | None = Field(default=None, description="region to deploy to")
    CONFIG_REPO_PATH: Path = Field(default=Path("."), description="path to the config repository")
    INFRA_BUCKET: str | None = Field(default=None, description="S3 bucket holding Pulumi state")
    UNIVERSAL_STACK_NAME: str = Field(default="universal", description="folder of the universal stack")
    INFRA_STACK_NAME: str = Field(default="infra", description="folder of the infra stack")
    PULUMI_CONFIG_PASSPHRASE: SecretStr | None = Field(default=None, description="encrypts stack secrets")
    PULUMI_BACKEND_URL: str | None = Field(default=None, description="overrides INFRA_BUCKET")


def load_environment(project_root: Path) -> DorcEnvironment:
    """Read the project's ``.env`` (if any) with real environment variables taking precedence."""
    return DorcEnvironment(_env_file=project_root / ".env")  # type: ignore[call-arg]
