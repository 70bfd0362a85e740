"""The holding store on disk, against an in-memory object store and against moto's."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorc_runtime.local.aws_guard import client_environment, environment
from dorc_runtime.local.embedded_aws import EmbeddedAWS
from dorc_runtime.local.holding_store import HoldingStore, SaveError, decode_key, encode_key, layout


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
    "x" * 1024, "é" * 512, "%" * 300, "a%+", "a%",
])
@pytest.mark.parametrize("fold_case", [False, True])
def test_every_key_maps_to_a_path_inside_the_bucket_and_back(key, fold_case):
    path = encode_key(key, fold_case)
    assert ".." not in path.parts and "." not in path.parts and all(path.parts)
    assert all(len(part.encode()) < 255 for part in path.parts)  # NAME_MAX on Linux, macOS and Windows
    assert decode_key(path) == key


def test_readable_keys_are_stored_as_they_are():
    assert encode_key("census/raw/2021.csv") == Path("census/raw/2021.csv")


# S3 keys: any UTF-8 text of 1 to 1,024 bytes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html)
SEGMENTS = st.one_of(
    st.sampled_from(["", ".", "..", "a", "A", "%", "%2E", "%+", "data", "Data", "x" * 300]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)
KEYS = st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join).filter(lambda k: 1 <= len(k.encode()) <= 1024)
OBJECTS = st.dictionaries(KEYS, st.binary(max_size=8), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=OBJECTS, then=OBJECTS)
def test_any_key_set_round_trips_and_a_second_save_keeps_exactly_the_new_set(tmp_path_factory, first, then):
    root = tmp_path_factory.mktemp("store")
    store = HoldingStore.of_project(root)
    s3 = MemoryStore()
    store.load_into(s3)
    s3.create_bucket("holding")
    s3.data["holding"].update(first)
    store.save_from(s3)
    loaded = MemoryStore()
    store.load_into(loaded)
    assert loaded.data.get("holding", {}) == first
    loaded.data["holding"] = dict(then)
    store.save_from(loaded)  # an incremental save: some keys kept, some changed, some deleted
    again = MemoryStore()
    HoldingStore.of_project(root).load_into(again)
    assert again.data.get("holding", {}) == then


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(KEYS, max_size=12, unique=True))
def test_on_a_case_insensitive_file_system_no_two_keys_share_a_file(keys):
    paths = layout(keys, fold_case=True)
    folded = {str(path).casefold() for path in paths.values()}
    assert len(folded) == len(keys)
    assert {decode_key(path) for path in paths.values()} == set(keys)
    files = set(paths.values())
    assert not any(parent in files for path in files for parent in path.parents)  # no file is also a folder


def test_an_object_and_a_folder_of_the_same_name_both_persist(tmp_path):
    store = HoldingStore.of_project(tmp_path)
    s3 = MemoryStore()
    s3.create_bucket("holding")
    s3.put("holding", "data", b"the file")
    store.save_from(s3)
    assert store.path_of("holding", "data").read_bytes() == b"the file"
    s3.put("holding", "data/part1", b"a part")  # now "data" is also a folder
    store.save_from(s3)
    assert store.path_of("holding", "data").name == "data%"
    assert store.path_of("holding", "data/part1").read_bytes() == b"a part"
    loaded = MemoryStore()
    store.load_into(loaded)
    assert loaded.data == {"holding": {"data": b"the file", "data/part1": b"a part"}}


def test_a_save_that_cannot_write_names_the_real_problem(tmp_path, monkeypatch):
    store = HoldingStore.of_project(tmp_path)
    s3 = MemoryStore()
    s3.create_bucket("holding")
    s3.put("holding", "k", b"v")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("dorc_runtime.local.holding_store.os.replace", disk_full)
    with pytest.raises(SaveError) as raised:
        store.save_from(s3)
    assert "No space left on device" in raised.value.message and "disk space" in raised.value.fix
    assert list(store.root.rglob("%saving-*")) == []  # no half-written file is left to load as an object


def test_an_object_that_cannot_be_saved_keeps_its_old_file_and_does_not_stop_the_others(tmp_path, monkeypatch):
    store = HoldingStore.of_project(tmp_path)
    s3 = MemoryStore()
    store.load_into(s3)
    s3.create_bucket("holding")
    s3.put("holding", "stuck", b"old")
    store.save_from(s3)
    s3.put("holding", "stuck", b"new")
    s3.put("holding", "other", b"fine")
    real_replace = os.replace

    def refuse_stuck(source, target):
        if Path(target).name == "stuck":
            raise OSError(errno.EIO, "Input/output error", str(target))
        real_replace(source, target)

    monkeypatch.setattr("dorc_runtime.local.holding_store.os.replace", refuse_stuck)
    with pytest.raises(SaveError, match="Input/output error"):
        store.save_from(s3)
    assert store.path_of("holding", "stuck").read_bytes() == b"old"
    assert store.path_of("holding", "other").read_bytes() == b"fine"


def test_a_run_that_changed_nothing_writes_nothing(tmp_path):
    """A run that failed before any handler ran (a mistyped function) leaves no trace on disk; the
    holding bucket it made is kept once something is put in it."""
    store, s3 = HoldingStore.of_project(tmp_path), MemoryStore()
    store.load_into(s3, buckets=("holding",))
    assert s3.buckets() == ["holding"]
    store.save_from(s3)
    assert list(tmp_path.iterdir()) == []
    s3.put("holding", "k", b"v")
    store.save_from(s3)
    assert store.path_of("holding", "k").read_bytes() == b"v"


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


def test_on_a_case_insensitive_disk_capitals_are_escaped_and_still_load(tmp_path, monkeypatch):
    monkeypatch.setattr("dorc_runtime.local.holding_store.case_insensitive", lambda folder: True)
    store = HoldingStore.of_project(tmp_path)
    s3 = MemoryStore()
    s3.create_bucket("holding")
    s3.put("holding", "Data/x.csv", b"upper")
    s3.put("holding", "data/x.csv", b"lower")
    store.save_from(s3)
    assert sorted(str(p.relative_to(store.bucket_dir("holding"))) for p in store.bucket_dir("holding").rglob("*.csv")) \
        == ["%44ata/x.csv", "data/x.csv"]
    loaded = MemoryStore()
    store.load_into(loaded)
    assert loaded.data == s3.data
