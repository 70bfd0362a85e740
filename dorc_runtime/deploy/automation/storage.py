"""What a destroy would lose: buckets and repositories that still hold data, and emptying them.

Pulumi cannot delete a bucket that holds objects (versioned: every version and delete marker
counts) nor an ECR repository that holds images, and it finds out half-way through a destroy.
So destroy asks first: :func:`data_holders` names what the plan would remove (pure), a
:class:`Storage` says which of them hold data, and only ``--force`` empties them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from ...errors import DeployError
from ...naming import Naming
from ..context import REPOSITORY_URLS
from .plan import StackPlan
from .stacks import Layout, StackKind, StackRef

S3_DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys per request
ECR_DELETE_BATCH = 100  # BatchDeleteImage takes at most 100 image ids per request


class HolderKind(str, Enum):
    BUCKET = "bucket"
    REPOSITORY = "repository"


@dataclass(frozen=True)
class DataHolder:
    kind: HolderKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value} {self.name}"


class Storage(Protocol):
    def holds_data(self, holder: DataHolder) -> bool:
        """Any object version or delete marker (bucket), any image (repository); False if absent."""
        ...

    def empty(self, holder: DataHolder) -> int:
        """Delete everything it holds; returns how many versions/markers or images went."""
        ...

    def delete_repository(self, name: str) -> None:
        """Delete an empty repository (universal retains its repositories on delete)."""
        ...


def data_holders(
    layout: Layout, plan: StackPlan, outputs: Callable[[StackRef], dict[str, Any]], deployed: Callable[[StackRef], int]
) -> list[DataHolder]:
    """The buckets and repositories the stacks of a destroy plan own."""
    holders: list[DataHolder] = []
    for stack in plan.stacks:
        if stack.kind is StackKind.INFRA and deployed(stack):
            naming = Naming(layout.slug, stack.environment)
            account = layout.account.id
            holders += [
                DataHolder(HolderKind.BUCKET, naming.holding_bucket(account)),
                DataHolder(HolderKind.BUCKET, naming.submissions_bucket(account)),
            ]
        elif stack.kind is StackKind.UNIVERSAL and deployed(stack):
            urls = outputs(stack).get(REPOSITORY_URLS) or {}
            holders += [DataHolder(HolderKind.REPOSITORY, url.split("/", 1)[1]) for url in sorted(urls.values())]
    return holders


def refuse_if_holding_data(holders: Sequence[DataHolder], force: bool) -> None:
    if not holders or force:
        return
    names = ", ".join(str(holder) for holder in holders)
    raise DeployError(
        f"Refusing to destroy: {names} still hold(s) data; nothing was changed.",
        "copy what you need, then run again with --force, which first empties them (every object "
        "version and delete marker, every image) and then destroys",
    )


# -- the real storage (boto3) -------------------------------------------------------------------
def _code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


@dataclass
class AwsStorage:
    s3: Any
    ecr: Any
    s3_batch: int = S3_DELETE_BATCH
    ecr_batch: int = ECR_DELETE_BATCH

    @classmethod
    def for_region(cls, region: str) -> AwsStorage:
        import boto3

        return cls(boto3.client("s3", region_name=region), boto3.client("ecr", region_name=region))

    def holds_data(self, holder: DataHolder) -> bool:
        from botocore.exceptions import ClientError

        try:
            if holder.kind is HolderKind.BUCKET:
                page = self.s3.list_object_versions(Bucket=holder.name, MaxKeys=1)
                return bool(page.get("Versions") or page.get("DeleteMarkers"))
            return bool(self.ecr.list_images(repositoryName=holder.name, maxResults=1)["imageIds"])
        except ClientError as error:
            if _code(error) in ("NoSuchBucket", "RepositoryNotFoundException"):
                return False
            raise DeployError(f"Could not check whether {holder} holds data: {error}.") from None

    def empty(self, holder: DataHolder) -> int:
        return self._empty_bucket(holder.name) if holder.kind is HolderKind.BUCKET else self._empty_repo(holder.name)

    # Each round lists from the start and deletes what it got: paginating with markers while
    # deleting the items the markers point at skips pages (moto does; S3 does not promise otherwise).
    def _empty_bucket(self, bucket: str) -> int:
        deleted = 0
        while True:
            page = self.s3.list_object_versions(Bucket=bucket, MaxKeys=self.s3_batch)
            versions = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            keys = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions][: self.s3_batch]
            if not keys:
                return deleted
            done = self.s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            if done.get("Errors"):
                first = done["Errors"][0]
                raise DeployError(
                    f"Emptying bucket {bucket} failed at {first.get('Key')}: {first.get('Message')}.",
                    "check the bucket's object lock and your permissions, then run destroy again",
                )
            deleted += len(keys)

    def _empty_repo(self, repository: str) -> int:
        deleted = 0
        while True:
            ids = self.ecr.list_images(repositoryName=repository, maxResults=self.ecr_batch)["imageIds"]
            if not ids:
                return deleted
            self.ecr.batch_delete_image(repositoryName=repository, imageIds=ids)
            deleted += len(ids)

    def delete_repository(self, name: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self.ecr.delete_repository(repositoryName=name)  # never force: only an empty one goes
        except ClientError as error:
            if _code(error) != "RepositoryNotFoundException":
                raise DeployError(f"Deleting repository {name} failed: {error}.") from None
