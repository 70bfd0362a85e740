"""Where Pulumi keeps state, chosen in one place (pure).

``PULUMI_BACKEND_URL`` > ``INFRA_BUCKET`` (``s3://<bucket>``) > a file backend inside the project,
so a first deploy works with nothing but a passphrase and a team can move to S3 by setting one
variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ...errors import DeployError
from ...settings import DorcEnvironment

LOCAL_STATE_DIR = Path(".dorc") / "pulumi-state"


class BackendKind(str, Enum):
    FILE = "file"
    S3 = "s3"
    CLOUD = "cloud"  # Pulumi Cloud or self-hosted service: it manages secrets itself
    OTHER = "other"  # azblob://, gs://: state in a bucket, secrets by passphrase


@dataclass(frozen=True)
class Backend:
    url: str
    source: str  # which setting chose it, so messages can say what to change

    @property
    def kind(self) -> BackendKind:
        scheme = self.url.split("://", 1)[0].lower() if "://" in self.url else ""
        if scheme == "file":
            return BackendKind.FILE
        if scheme == "s3":
            return BackendKind.S3
        if scheme in ("http", "https"):
            return BackendKind.CLOUD
        return BackendKind.OTHER

    @property
    def needs_passphrase(self) -> bool:
        # self-managed backends encrypt stack secrets with the passphrase provider
        return self.kind is not BackendKind.CLOUD

    @property
    def local_path(self) -> Path | None:
        """The folder of a ``file://`` backend (it must exist before Pulumi logs in)."""
        if self.kind is not BackendKind.FILE:
            return None
        return Path(self.url.split("://", 1)[1]).expanduser()

    def describe(self) -> str:
        return f"{self.url} (from {self.source})"


def select_backend(settings: DorcEnvironment, project_root: Path) -> Backend:
    if settings.PULUMI_BACKEND_URL:
        url = settings.PULUMI_BACKEND_URL.strip()
        if "://" not in url:
            raise DeployError(
                f"PULUMI_BACKEND_URL={url!r} is not a backend URL.",
                "use s3://<bucket>, file://<absolute folder> or https://api.pulumi.com",
            )
        return Backend(url, "PULUMI_BACKEND_URL")
    if settings.INFRA_BUCKET:
        bucket = settings.INFRA_BUCKET.strip().removeprefix("s3://").rstrip("/")
        return Backend(f"s3://{bucket}", "INFRA_BUCKET")
    return Backend(
        f"file://{(project_root / LOCAL_STATE_DIR).resolve()}", "default: state inside the project"
    )


def passphrase(settings: DorcEnvironment, backend: Backend) -> str | None:
    """The secrets passphrase, refused clearly when a self-managed backend needs one."""
    secret = (
        settings.PULUMI_CONFIG_PASSPHRASE.get_secret_value() if settings.PULUMI_CONFIG_PASSPHRASE else None
    )
    if backend.needs_passphrase and not secret:
        raise DeployError(
            f"PULUMI_CONFIG_PASSPHRASE is not set; the {backend.kind.value} backend {backend.url} "
            "encrypts stack secrets with it.",
            "add PULUMI_CONFIG_PASSPHRASE=<a long secret> to the project's .env (keep it out of git) "
            "or export it; use the same value every time, it cannot be recovered",
        )
    return secret
