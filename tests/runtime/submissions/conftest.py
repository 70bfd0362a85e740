from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dorc_runtime.naming import LOCAL_ACCOUNT, Naming
from dorc_runtime.submissions.dispatcher import AwsClients, Dispatcher, DispatcherSettings
from dorc_runtime.submissions.events import IncomingObject
from dorc_runtime.submissions.limits import KIB, MIB, Limits
from dorc_runtime.submissions.routes import Route, RouteTable

REGION = "eu-west-2"
TEST_LIMITS = Limits(
    max_files=4,
    max_members=8,
    max_ratio=20,
    ratio_grace_bytes=1 * MIB,
    max_total_bytes=100 * MIB,
    max_name_bytes=128,
    max_header_bytes=8 * KIB,
    max_metadata_bytes=64 * KIB,
    max_manifest_bytes=4 * KIB,
    max_manifest_depth=8,
)


@pytest.fixture
def validators_module(tmp_path, monkeypatch):
    """An importable module with a validator, as a project's own package would provide."""
    package = tmp_path / "pkg_checks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "csv_checks.py").write_text(
        textwrap.dedent(
            """
            import os
            import sys
            import time


            def not_empty(file):
                if file.size == 0:
                    raise ValueError(f"{file.name} is empty")


            def hangs(file):
                time.sleep(3600)


            def exits(file):
                sys.exit(0)


            def hard_exits(file):
                os._exit(3)


            def long_error(file):
                raise ValueError("bad row " * 200_000)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return "pkg_checks.csv_checks:not_empty"


@pytest.fixture
def table(validators_module) -> RouteTable:
    census = Route(
        source_id=r"census_.*_v1",
        layer="raw",
        pipeline="census",
        required_files=[r"^data\.csv$"],
        validators=[{"check": validators_module, "files": r"\.csv$"}],
        options={"delimiter": ","},
    )
    return RouteTable((census,), TEST_LIMITS)


@dataclass
class World:
    """A moto AWS with the submissions bucket, the holding store, the failure topic and the routed state machine."""

    clients: AwsClients
    settings: DispatcherSettings
    bucket: str
    queue_url: str
    sqs: Any

    def put(self, name: str, body: bytes) -> IncomingObject:
        key = f"incoming/{name}"
        response = self.clients.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return IncomingObject(self.bucket, key, response.get("VersionId"), response["ETag"].strip('"'), len(body))

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.clients.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def read(self, key: str, bucket: str | None = None) -> bytes:
        return self.clients.s3.get_object(Bucket=bucket or self.bucket, Key=key)["Body"].read()

    def executions(self) -> list[dict[str, Any]]:
        arn = self.settings.naming.state_machine_arn(REGION, LOCAL_ACCOUNT, "raw", "census")
        return self.clients.sfn.list_executions(stateMachineArn=arn)["executions"]

    def notifications(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


def _bucket(s3, name: str) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


@pytest.fixture
def world(monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(var, "testing")
    with mock_aws():
        naming = Naming("acme", "test")
        s3 = boto3.client("s3", region_name=REGION)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        bucket, holding = naming.submissions_bucket(LOCAL_ACCOUNT), naming.holding_bucket(LOCAL_ACCOUNT)
        _bucket(s3, bucket)
        _bucket(s3, holding)
        topic = sns.create_topic(Name=naming.failure_topic())["TopicArn"]
        queue_url = sqs.create_queue(QueueName="failures")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        sfn.create_state_machine(
            name=naming.state_machine("raw", "census"),
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
            roleArn=f"arn:aws:iam::{LOCAL_ACCOUNT}:role/sfn",
        )
        settings = DispatcherSettings(naming, REGION, LOCAL_ACCOUNT, holding, topic)
        yield World(AwsClients(s3, sfn, sns), settings, bucket, queue_url, sqs)


@pytest.fixture
def dispatcher(world, table, tmp_path) -> Dispatcher:
    return Dispatcher(table, world.settings, world.clients, workdir=tmp_path)
