"""What the dispatcher needs to know and to talk to: its settings, its AWS clients, its outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import DorcError
from ..naming import ENV_ENVIRONMENT, ENV_FAILURE_TOPIC, ENV_HOLDING_BUCKET, ENV_PROJECT, Naming
from .events import IncomingObject
from .routes import Route

PROCESSED_PREFIX = "processed/"
FAILED_PREFIX = "failed/"
HOLDING_PREFIX = "submissions/"
MARKER_NAME = "_submission.json"
REPORT_NAME = "report.json"

Status = Literal["accepted", "rejected", "duplicate", "ignored", "missing"]


@dataclass(frozen=True)
class DispatcherSettings:
    naming: Naming
    region: str
    account: str
    holding_bucket: str
    failure_topic_arn: str | None = None

    def state_machine_arn(self, route: Route) -> str:
        return self.naming.state_machine_arn(self.region, self.account, route.layer, route.pipeline)


@dataclass(frozen=True)
class AwsClients:
    """The seams: boto3 clients (or anything with the same methods)."""

    s3: Any
    sfn: Any
    sns: Any


@dataclass(frozen=True)
class Outcome:
    status: Status
    submission_id: str
    archive: IncomingObject
    archive_key: str | None = None  # where the archive is now
    route: Route | None = None
    source_id: str | None = None
    files: tuple[str, ...] = ()
    execution_arn: str | None = None
    pipeline_input: dict[str, Any] | None = None
    report_key: str | None = None
    report: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "submission_id": self.submission_id,
            "archive": f"s3://{self.archive.bucket}/{self.archive_key or self.archive.key}",
            "route": self.route.describe() if self.route else None,
            "files": list(self.files[:20]),
            "file_count": len(self.files),
            "execution_arn": self.execution_arn,
            "report": f"s3://{self.archive.bucket}/{self.report_key}" if self.report_key else None,
            "rule": (self.report or {}).get("rule"),
        }


def settings_from_environment(environ: Mapping[str, str], invoked_function_arn: str) -> DispatcherSettings:
    """What the deployed Lambda knows about itself: its environment variables and its own ARN."""
    missing = [v for v in (ENV_PROJECT, ENV_ENVIRONMENT, ENV_HOLDING_BUCKET) if not environ.get(v)]
    if missing:
        raise DorcError(f"The dispatcher needs the environment variables {', '.join(missing)}.", "redeploy the infra stack")
    arn = invoked_function_arn.split(":")
    return DispatcherSettings(
        naming=Naming(environ[ENV_PROJECT], environ[ENV_ENVIRONMENT]),
        region=environ.get("AWS_REGION") or arn[3],
        account=arn[4],
        holding_bucket=environ[ENV_HOLDING_BUCKET],
        failure_topic_arn=environ.get(ENV_FAILURE_TOPIC) or None,
    )
