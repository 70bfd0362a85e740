"""The embedded AWS's server process: when it starts, what it loads and saves, and that it always ends."""

from __future__ import annotations

import boto3
import pytest

from dorc_runtime.errors import DorcError
from dorc_runtime.local.aws_guard import client_environment, environment
from dorc_runtime.local.embedded_aws import EmbeddedAWS, mentions_aws
from dorc_runtime.local.holding_store import HoldingStore
from dorc_runtime.local.session import LocalSession, LocalSettings
from dorc_runtime.project import Project
from tests.runtime.local.processes import servers_under

REGION = "eu-west-2"
BOTO3_HANDLER = """
import boto3

def handler(event, context):
    return event
"""
NOOP_HANDLER = "def handler(event, context):\n    return event\n"


def put(aws: EmbeddedAWS, key: str, body: bytes, bucket: str = "holding") -> None:
    with environment(client_environment(aws.endpoint_url, REGION)):
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def test_nothing_starts_when_nothing_calls_aws(tmp_path):
    aws = EmbeddedAWS()
    aws.load(tmp_path / "s3", "holding", REGION)
    aws.start_on_first_request()
    assert servers_under() == set()
    assert aws.stop() is False and not aws.started
    assert not (tmp_path / "s3").exists()


def test_a_server_started_early_but_never_used_is_ended_without_saving(tmp_path):
    store = HoldingStore.of_project(tmp_path)
    aws = EmbeddedAWS().start_now()
    aws.load(store.root, "holding", REGION)
    assert len(servers_under()) == 1
    assert aws.stop() is False
    assert servers_under() == set()
    assert not store.state_dir.exists()  # nothing was saved: nothing had changed
    assert aws.stop() is False  # stopping again is harmless


def test_a_server_started_early_loads_the_store_before_answering_and_saves_at_the_end(tmp_path):
    store = HoldingStore.of_project(tmp_path)
    store.path_of("holding", "old.txt").parent.mkdir(parents=True)
    store.path_of("holding", "old.txt").write_bytes(b"old")
    with EmbeddedAWS().start_now() as aws:  # the configuration may come after the start
        aws.load(store.root, "holding", REGION)
        put(aws, "new.txt", b"new")
        with environment(client_environment(aws.endpoint_url, REGION)):
            assert boto3.client("s3").get_object(Bucket="holding", Key="old.txt")["Body"].read() == b"old"
        assert aws.started
    assert servers_under() == set()
    assert store.path_of("holding", "new.txt").read_bytes() == b"new"


def test_a_fresh_embedded_aws_holds_the_holding_store_and_nothing_else(tmp_path):
    """Its fork server answered a request before forking it (moto builds S3's app on the first):
    that request stored nothing."""
    store = HoldingStore.of_project(tmp_path)
    store.path_of("holding", "old.txt").parent.mkdir(parents=True)
    store.path_of("holding", "old.txt").write_bytes(b"old")
    with EmbeddedAWS().start_now() as aws:
        aws.load(store.root, "holding", REGION)
        with environment(client_environment(aws.endpoint_url, REGION)):
            s3 = boto3.client("s3")
            assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == ["holding"]
            assert [item["Key"] for item in s3.list_objects_v2(Bucket="holding")["Contents"]] == ["old.txt"]


def test_the_bucket_is_made_even_when_the_store_is_empty(tmp_path):
    store = HoldingStore.of_project(tmp_path)
    with EmbeddedAWS() as aws:
        aws.load(store.root, "demo-local-holding-123456789012", REGION)
        aws.start_on_first_request()
        put(aws, "k", b"v", bucket="demo-local-holding-123456789012")
    assert store.path_of("demo-local-holding-123456789012", "k").read_bytes() == b"v"


def test_a_server_that_fails_is_reported_and_ended(tmp_path):
    store = HoldingStore.of_project(tmp_path)
    store.root.mkdir(parents=True)
    (store.root / "holding").write_text("a file where the bucket's folder should be")  # saving fails
    aws = EmbeddedAWS()
    aws.load(store.root, "holding", REGION)
    aws.start_on_first_request()
    put(aws, "k", b"v")
    with pytest.raises(DorcError, match="The holding store could not be saved in .*: File exists") as raised:
        aws.stop()
    assert "moto" not in str(raised.value) + (raised.value.fix or "")  # the problem is the disk, not moto
    assert servers_under() == set()


@pytest.mark.parametrize("source, mentions", [
    ("import boto3\n", True), ("from botocore.config import Config\n", True), ("import aioboto3\n", True),
    ("import awswrangler as wr\n", True), ("import json\n# boto\n", False), ("x = 'myboto3x'\n", False),
])
def test_which_sources_mention_aws(tmp_path, source, mentions):
    file = tmp_path / "lambda.py"
    file.write_text(source)
    assert mentions_aws([tmp_path / "missing.py", file]) is mentions


@pytest.mark.parametrize("handler, starts_now", [(BOTO3_HANDLER, True), (NOOP_HANDLER, False)])
def test_a_session_starts_the_server_at_once_only_for_code_that_calls_aws(project, handler, starts_now):
    project.pipeline("raw", "p", 'Function(name="f")', {"f": handler})
    with LocalSession(LocalSettings.of(Project.find())):
        assert bool(servers_under()) is starts_now
    assert servers_under() == set()


def test_a_session_uses_a_server_started_before_it(project):
    """``invoke run`` starts the server before it imports the rest; the session then uses it,
    even for code that does not mention an SDK, and saves what it got at the end."""
    project.pipeline("raw", "p", 'Function(name="f")', {"f": NOOP_HANDLER})
    settings = LocalSettings.of(Project.find())
    with EmbeddedAWS().start_now() as aws:
        server = servers_under()
        assert len(server) == 1
        with LocalSession(settings, aws=aws) as session:
            assert session.endpoint_url == aws.endpoint_url
            assert servers_under() == server
            put(aws, "early.txt", b"saved", bucket=settings.holding_bucket)
        assert servers_under() == set()
    assert (session.holding_path() / "early.txt").read_bytes() == b"saved"
