"""The holding store on disk, against an in-memory object store and against moto's."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from dorc_runtime.local.aws_guard import client_environment, environment
from dorc_runtime.local.embedded_aws import EmbeddedAWS
from dorc_runtime.local.holding_store import HoldingStore, decode_key, encode_key


class MemoryStore:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, bytes]] = {}

    def buckets(self) -> list[str]:
        return sorted(self.data)

    def create_bucket(self, name: str) -> None:
        self.data.setdefault(name, {})

    def objects(self, bucket: str) -> dict[str, bytes]:
        return dict(self.data[bucket])

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.data[bucket][key] = body


@pytest.mark.parametrize("key", [
    "census/raw/2021.csv", "a//b", "trailing/", "/leading", "..", "./x/../y", "%2E", "100% sure/ü é.txt", "a%b", "",
])
def test_every_key_maps_to_a_path_inside_the_bucket_and_back(key):
    path = encode_key(key)
    assert ".." not in path.parts and "." not in path.parts and all(path.parts)
    assert decode_key(path) == key


def test_save_then_load_round_trips_and_tracks_changes(tmp_path):
    store = HoldingStore.of_project(tmp_path)
    s3 = MemoryStore()
    store.load_into(s3)  # nothing on disk yet
    s3.create_bucket("holding")
    s3.put("holding", "census/raw/2021.csv", b"year\n2021\n")
    s3.put("holding", "tmp/x", b"temporary")
    store.save_from(s3)
    assert (tmp_path / ".dorc" / ".gitignore").read_text() == "*\n"
    assert store.path_of("holding", "census/raw/2021.csv").read_bytes() == b"year\n2021\n"

    again = MemoryStore()
    store.load_into(again)
    assert again.data == s3.data
    del again.data["holding"]["tmp/x"]
    again.put("holding", "census/raw/2021.csv", b"changed")
    store.save_from(again)
    assert sorted(key for _, key, _ in store.saved()) == ["census/raw/2021.csv"]
    assert store.path_of("holding", "census/raw/2021.csv").read_bytes() == b"changed"

    assert store.clear() is True
    assert list(store.saved()) == []
    assert store.clear() is False


def test_moto_server_persists_what_boto3_wrote(tmp_path):
    store = HoldingStore.of_project(tmp_path)
    store.path_of("holding-bucket", "old/object.txt").parent.mkdir(parents=True)
    store.path_of("holding-bucket", "old/object.txt").write_bytes(b"from an earlier run")

    with EmbeddedAWS() as aws:
        aws.load(store.root, "holding-bucket", "eu-west-2")
        aws.start_on_first_request()
        with environment(client_environment(aws.endpoint_url, "eu-west-2")):
            client = boto3.client("s3")  # its first request starts the server
            assert client.get_object(Bucket="holding-bucket", Key="old/object.txt")["Body"].read() == b"from an earlier run"
            client.put_object(Bucket="holding-bucket", Key="new/object.txt", Body=b"new")
        assert aws.stop() is True  # saved by the server process as it ends
    assert store.path_of("holding-bucket", "new/object.txt").read_bytes() == b"new"
    assert store.path_of("holding-bucket", "old/object.txt").read_bytes() == b"from an earlier run"


def test_local_reset_task(project, monkeypatch, capsys):
    import io

    from invoke import Context
    from invoke.exceptions import Exit

    from dorc_runtime.tasks.local import local_reset

    saved = project.stored("census/raw/2021.csv")
    saved.parent.mkdir(parents=True)
    saved.write_text("x")

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(Exit) as raised:
        local_reset(Context())
    assert "stdin is closed" in str(raised.value.message) and "--yes" in str(raised.value.message)
    assert saved.exists()

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    local_reset(Context())
    assert saved.exists() and "Nothing was deleted" in capsys.readouterr().out

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    local_reset(Context())
    assert not saved.exists() and "(1 objects)" in capsys.readouterr().out

    saved.parent.mkdir(parents=True)
    saved.write_text("x")
    local_reset(Context(), yes=True)
    assert not Path(saved).exists()
    local_reset(Context(), yes=True)
    assert "already empty" in capsys.readouterr().out
