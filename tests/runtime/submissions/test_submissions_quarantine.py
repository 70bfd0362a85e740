"""Quarantine always completes: whatever fails while an archive is checked, it ends in failed/
with report.json beside it and one notification that fits SNS; retries leave no second copy."""

from __future__ import annotations

import json

import pytest

from dorc_runtime.submissions import dispatcher as dispatcher_module
from dorc_runtime.submissions.dispatcher import Dispatcher, submission_id
from dorc_runtime.submissions.limits import Limits
from dorc_runtime.submissions.routes import Route, RouteTable
from dorc_runtime.submissions.store import ArchiveStore
from tests.runtime.submissions.submission_archives import manifest_bytes, tar_bytes, valid_members

# "the maximum message size is 262,144 bytes (256 KB)" https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
SNS_MAX_MESSAGE_BYTES = 262_144


def quarantined(world, obj, outcome, rule: str, body: bytes) -> dict:
    """The archive is in failed/ with its report, the team got one notification: the report."""
    sid = submission_id(obj)
    name = obj.key.removeprefix("incoming/")
    assert outcome.status == "rejected"
    assert world.keys("incoming/") == []
    assert world.read(f"failed/{sid}/{name}") == body
    report = json.loads(world.read(f"failed/{sid}/report.json"))
    assert report["rule"] == rule
    messages = world.sqs.receive_message(QueueUrl=world.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(messages) == 1
    message = json.loads(messages[0]["Body"])["Message"]
    assert len(message.encode()) < SNS_MAX_MESSAGE_BYTES
    summary = json.loads(message)
    assert summary["rule"] == rule
    assert summary["report"] == f"s3://{world.bucket}/failed/{sid}/report.json"
    assert summary["archive"] == f"s3://{world.bucket}/failed/{sid}/{name}"
    return report


def route_with(validator: str, timeout: float = 120.0) -> RouteTable:
    route = Route(
        source_id=r"census_.*_v1",
        layer="raw",
        pipeline="census",
        validators=[validator],
        validator_timeout_seconds=timeout,
    )
    return RouteTable((route,))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "function, timeout, rule",
    [
        ("hangs", 2.0, "route.validator_timeout"),
        ("exits", 60.0, "route.validator_exit"),
        ("hard_exits", 60.0, "route.validator_exit"),
        ("long_error", 60.0, "route.validator"),
    ],
)
def test_a_validator_that_hangs_exits_or_rambles_becomes_a_rule_in_the_report(
    function, timeout, rule, world, validators_module, tmp_path
):
    check = validators_module.replace(":not_empty", f":{function}")
    dispatcher = Dispatcher(route_with(check, timeout), world.settings, world.clients, workdir=tmp_path)
    body = tar_bytes(valid_members())
    obj = world.put("census_2021_v1.tar", body)

    outcome = dispatcher.dispatch(obj)

    report = quarantined(world, obj, outcome, rule, body)
    assert len(json.dumps(report)) < 20_000  # a 1.6 MB error message is cut, and says so
    if function == "long_error":
        assert "more characters left out" in report["details"]["error"]
    if function == "hangs":
        assert report["details"]["limit"] == 2.0
    assert world.executions() == []


def test_a_validator_that_cannot_be_imported_is_named(world, tmp_path):
    dispatcher = Dispatcher(route_with("no_such_package.checks:run"), world.settings, world.clients, workdir=tmp_path)
    body = tar_bytes(valid_members())
    obj = world.put("census_2021_v1.tar", body)

    report = quarantined(world, obj, dispatcher.dispatch(obj), "route.validator_import", body)
    assert report["details"]["validator"] == "no_such_package.checks:run"


def test_a_report_of_thousands_of_files_is_cut_and_says_how_many(world, tmp_path):
    """No manifest and 6,000 files in a 41 KB archive made a report SNS refused (issue 10)."""
    table = RouteTable((Route(source_id=r"census_.*_v1", layer="raw", pipeline="census"),), Limits())
    body = tar_bytes([(f"file_{i:05d}_{'x' * 40}.csv", b"1") for i in range(6_000)], compress=True)
    obj = world.put("many.tar.gz", body)

    outcome = Dispatcher(table, world.settings, world.clients, workdir=tmp_path).dispatch(obj)

    report = quarantined(world, obj, outcome, "manifest.missing", body)
    files = report["details"]["files"]
    assert len(files) == 101 and files[-1] == "... 5900 more left out"
    assert len(json.dumps(report)) < 50_000


def test_a_failure_nothing_foresaw_still_quarantines_with_a_report(world, dispatcher, monkeypatch):
    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(dispatcher_module, "extract", explode)
    body = tar_bytes(valid_members())
    obj = world.put("census_2021_v1.tar", body)

    report = quarantined(world, obj, dispatcher.dispatch(obj), "dispatcher.unexpected_error", body)
    assert "RecursionError" in report["message"]


def test_a_report_that_cannot_be_built_falls_back_to_a_minimal_one(world, dispatcher, monkeypatch):
    def broken(**kwargs):
        raise TypeError("a detail nobody can render")

    monkeypatch.setattr(dispatcher_module, "build_report", broken)
    body = tar_bytes(valid_members(manifest_bytes(source_id="unknown_v9")))
    obj = world.put("census_2021_v1.tar", body)

    report = quarantined(world, obj, dispatcher.dispatch(obj), "route.unknown_source_id", body)
    assert report["details"] == "left out: building the full report failed (TypeError)"


def test_a_retry_after_a_crash_midway_leaves_one_copy_and_one_report(world, dispatcher, monkeypatch):
    """The notification failed after the copy to failed/: the retry neither copies again nor
    leaves an orphan (issue 10: every retry added another copy)."""
    body = tar_bytes(valid_members(manifest_bytes(source_id="unknown_v9")))
    obj = world.put("census_2021_v1.tar", body)
    sid = submission_id(obj)
    calls = []

    def sns_down(**kwargs):
        calls.append(kwargs)
        raise ConnectionError("SNS unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(world.clients.sns, "publish", sns_down)
        with pytest.raises(ConnectionError):
            dispatcher.dispatch(obj)
    assert world.keys("incoming/") == ["incoming/census_2021_v1.tar"]  # kept for the retry
    assert world.keys(f"failed/{sid}/") == [f"failed/{sid}/census_2021_v1.tar"]  # no report yet

    retried = dispatcher.dispatch(obj)
    again = dispatcher.dispatch(obj)

    quarantined(world, obj, retried, "route.unknown_source_id", body)
    assert again.status == "duplicate"
    versions = world.clients.s3.list_object_versions(Bucket=world.bucket, Prefix=f"failed/{sid}/")["Versions"]
    assert sorted(v["Key"] for v in versions) == [f"failed/{sid}/census_2021_v1.tar", f"failed/{sid}/report.json"]


def test_an_archive_too_large_to_copy_is_never_deleted_by_a_redelivery(world, dispatcher, monkeypatch):
    monkeypatch.setattr(dispatcher_module, "COPY_OBJECT_MAX", 100)  # as if it were over 5 GiB
    body = tar_bytes(valid_members(manifest_bytes(source_id="unknown_v9")))
    obj = world.put("census_2021_v1.tar", body)

    first = dispatcher.dispatch(obj)
    again = dispatcher.dispatch(obj)

    assert first.status == "rejected" and first.archive_key == "incoming/census_2021_v1.tar"
    assert again.status == "duplicate"
    assert world.read("incoming/census_2021_v1.tar") == body  # the only copy is kept


def test_a_dropped_connection_while_reading_is_retried_not_quarantined(world, dispatcher, monkeypatch):
    from dorc_runtime.submissions.streams import SourceReadError

    body = tar_bytes(valid_members())
    obj = world.put("census_2021_v1.tar", body)
    real_get = ArchiveStore.get

    def flaky_get(self, o):
        response = real_get(self, o)

        class Dropped:
            def read(self, size=-1):
                raise ConnectionResetError("connection reset by peer")

        return {**response, "Body": Dropped()}

    monkeypatch.setattr(ArchiveStore, "get", flaky_get)
    with pytest.raises(SourceReadError):
        dispatcher.dispatch(obj)
    assert world.keys() == ["incoming/census_2021_v1.tar"]
