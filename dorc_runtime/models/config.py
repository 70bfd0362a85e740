"""Project-wide and per-environment settings: inert, validated data (no AWS, no Pulumi)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from ..names import ACCOUNT_PATTERN, check_environment, check_region, check_slug
from ..schedules.zones import DEFAULT_TIMEZONE, check_timezone

SUPPORTED_PYTHON = ("3.10", "3.11", "3.12", "3.13")
# The retention periods CloudWatch Logs accepts (PutRetentionPolicy, retentionInDays):
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
# Written out because botocore's service model has no enum for them, only this list in its docs.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


def slugify(text: str) -> str:
    """'Pipeline Config' -> 'pipeline-config' (project='ExampleDorc' -> 'exampledorc')."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class UniversalConfig(BaseModel):
    """Environment-agnostic settings shared by universal, infra and every pipeline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = Field(description="AWS region, e.g. eu-west-2")
    project: str = Field(min_length=1, description="Project name; its slug prefixes every AWS name")
    tags: dict[str, str] = Field(default_factory=dict)
    account: str | None = Field(default=None, description="12-digit AWS account id (or AWS_ACCOUNT)")
    environments: tuple[str, ...] = ("preprod", "prod")
    python_version: str = "3.12"
    timezone: str = Field(
        default=DEFAULT_TIMEZONE, description="IANA zone of cron triggers that name none, e.g. 'Europe/London'"
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return check_region(value)  # one line naming the rule and the fix, as the template's check

    @field_validator("account", mode="before")
    @classmethod
    def _empty_account_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(ACCOUNT_PATTERN, value):
            raise ValueError(f"AWS account id {value!r} must be 12 digits (or left empty)")
        return value

    @field_validator("environments")
    @classmethod
    def _environments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one environment is needed, e.g. ('prod',)")
        for env in value:
            check_environment(env)
        if len(set(value)) != len(value):
            raise ValueError(f"environments must be unique: {list(value)}")
        return value

    @field_validator("python_version")
    @classmethod
    def _python(cls, value: str) -> str:
        if value not in SUPPORTED_PYTHON:
            raise ValueError(f"Lambda Python {value!r} is not supported; choose one of {SUPPORTED_PYTHON}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def slug(self) -> str:
        return check_slug(slugify(self.project))


class Config(BaseModel):
    """Per-environment settings (the seed's ``Config``): what infra and pipelines deploy with.

    ``environment`` may be left out inside a Pulumi program: the creators then read it from the
    stack's ``Pulumi.<env>.yaml`` (``config: environment: <env>``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    universal: UniversalConfig
    environment: str | None = None
    vpc_id: str | None = None
    private_subnet_ids: tuple[str, ...] = ()
    additional_lambda_role_policy_arn: str | None = None
    additional_state_machine_role_policy_arn: str | None = None
    failure_notification_emails: tuple[str, ...] = ()
    log_retention_days: int = 30
    holding_temporary_prefix: str = "tmp/"
    holding_temporary_days: int = 7

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str | None) -> str | None:
        return check_environment(value) if value is not None else None

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in LOG_RETENTION_DAYS)
            raise ValueError(
                f"log_retention_days={value} is not a retention CloudWatch Logs accepts; use one of {allowed}"
            )
        return value

    @field_validator("private_subnet_ids")
    @classmethod
    def _subnets_need_vpc(cls, value: tuple[str, ...], info) -> tuple[str, ...]:  # noqa: ANN001
        if value and not info.data.get("vpc_id"):
            raise ValueError("private_subnet_ids need vpc_id to be set as well")
        return value

    def with_environment(self, environment: str) -> Config:
        return self.model_copy(update={"environment": check_environment(environment)})
