"""The protected S3 bucket dorc creates for the holding store and the submissions bucket.

Private (public access block), encrypted (SSE-S3), versioned, TLS only, with EventBridge
notifications on; the lifecycle rules are what differ. A builder rather than a ComponentResource:
the resources keep the parent the caller gives them, so their URNs (and deployed stacks) are the
same as before it existed.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ...naming import s3_bucket_arn
from .. import iam

NONCURRENT_VERSION_DAYS = 30
ABORT_MULTIPART_DAYS = 1


def expire_temporary_rule(prefix: str, days: int) -> dict:
    """Objects under ``prefix`` expire after ``days``."""
    return {"id": "expire-temporary", "status": "Enabled", "filter": {"prefix": prefix}, "expiration": {"days": days}}


def housekeeping_rule() -> dict:
    """Old object versions and abandoned multipart uploads do not pile up."""
    return {
        "id": "expire-noncurrent-versions",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
        "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
    }


def protected_bucket(
    name: str,
    bucket_name: str,
    *,
    tags: dict[str, str],
    lifecycle_rules: list[dict],
    opts: pulumi.ResourceOptions,
) -> aws.s3.Bucket:
    """The bucket ``bucket_name`` (logical name ``name``, options ``opts``) and its protections,
    each a child of the bucket. ``lifecycle_rules`` should end with :func:`housekeeping_rule`."""
    bucket = aws.s3.Bucket(name, bucket=bucket_name, tags=tags, opts=opts)
    on_bucket = pulumi.ResourceOptions(parent=bucket)
    block = aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=on_bucket,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}, "bucket_key_enabled": True}],
        opts=on_bucket,
    )
    versioning = aws.s3.BucketVersioning(
        name, bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=on_bucket
    )
    aws.s3.BucketLifecycleConfiguration(
        name,
        bucket=bucket.id,
        rules=lifecycle_rules,
        # S3 rejects lifecycle rules for noncurrent versions until versioning is on
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[versioning]),
    )
    aws.s3.BucketPolicy(
        name,
        bucket=bucket.id,
        policy=json.dumps(iam.tls_only_bucket_policy(s3_bucket_arn(bucket_name))),
        # with the public access block in place first, S3 cannot refuse the policy as public
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[block]),
    )
    # S3Trigger pipelines and the submissions dispatcher match "Object Created" events from EventBridge
    aws.s3.BucketNotification(name, bucket=bucket.id, eventbridge=True, opts=on_bucket)
    return bucket
