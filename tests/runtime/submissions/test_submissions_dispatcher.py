from __future__ import annotations

import json

import pytest

from dorc_runtime.submissions.dispatcher import submission_id
from dorc_runtime.submissions.events import eventbridge_event, objects_from_event
from dorc_runtime.submissions.store import ArchiveStore
from tests.runtime.submissions.submission_archives import (
    DATA,
    hostile_archives,
    tar_bytes,
    valid_members,
    zip_bytes,
)

HOSTILE = hostile_archives()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_or_broken_archive_is_quarantined_with_a_report(case, world, dispatcher):
    name, body, rule = HOSTILE[case]
    obj = world.put(name, body)

    outcome = dispatcher.dispatch(obj)

    sid = submission_id(obj)
    assert outcome.status == "rejected"
    assert world.keys("incoming/") == []
    assert world.read(f"failed/{sid}/{name}") == body  # nothing lost: the original bytes
    report = json.loads(world.read(f"failed/{sid}/report.json"))
    assert report["rule"] == rule
    assert report["message"]
    assert report["archive"]["original_key"] == f"incoming/{name}"
    assert report["archive"]["quarantined_key"] == f"failed/{sid}/{name}"
    assert world.executions() == []
    assert [n["rule"] for n in world.notifications()] == [rule]


def test_report_keeps_the_manifest_when_it_is_readable(world, dispatcher):
    _, body, _ = HOSTILE["unknown source_id"]
    outcome = dispatcher.dispatch(world.put("c.tar", body))
    assert outcome.report["manifest"]["source_id"] == "unknown_v9"
    assert outcome.report["manifest"]["title"] == "c"

    _, body, _ = HOSTILE["manifest failing schema"]
    outcome = dispatcher.dispatch(world.put("d.tar", body))
    assert outcome.report["manifest"]["source_id"] == "census_2021_v1"  # raw, as submitted
    assert any("fileAuthorEmail" in p for p in outcome.report["details"]["problems"])


@pytest.mark.parametrize(
    "name, body",
    [
        ("census_2021_v1.tar", tar_bytes(valid_members())),
        ("census_2021_v1.tar.gz", tar_bytes(valid_members(), compress=True)),
        ("census_2021_v1.zip", zip_bytes(valid_members())),
        ("census_2021_v1.tgz", tar_bytes([(f"census/{n}", b) for n, b in valid_members()], compress=True)),
    ],
)
def test_valid_archive_starts_the_routed_pipeline(name, body, world, dispatcher):
    obj = world.put(name, body)

    outcome = dispatcher.dispatch(obj)

    sid = submission_id(obj)
    prefix = f"submissions/census_2021_v1/{sid}/"
    assert outcome.status == "accepted"
    assert outcome.route.pipeline == "census"
    assert world.keys("incoming/") == []
    assert world.read(f"processed/{sid}/{name}") == body
    [execution] = world.executions()
    assert execution["name"] == sid
    described = world.clients.sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {
        "submission_id": sid,
        "source_id": "census_2021_v1",
        "manifest": {
            "manifestVersion": 1,
            "source_id": "census_2021_v1",
            "fileAuthorEmail": "ann@example.org",
            "fileAuthorUsername": "ann",
            "isPublishable": False,
            "licence": "Open Government Licence v3.0",
            "licenceUrl": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "title": "census_2021_v1",
            "aliasName": name,
        },
        "files": [f"{prefix}data.csv"],
        "options": {"delimiter": ","},
    }
    holding = world.settings.holding_bucket
    assert world.read(f"{prefix}data.csv", holding) == DATA
    assert json.loads(world.read(f"{prefix}manifest.json", holding))["source_id"] == "census_2021_v1"
    assert world.notifications() == []


def test_redelivered_event_starts_no_second_run(world, dispatcher):
    obj = world.put("census_2021_v1.tar", tar_bytes(valid_members()))
    event = eventbridge_event(obj.bucket, obj.key, obj.version_id, obj.etag, obj.size)

    [first_obj] = objects_from_event(event)
    first = dispatcher.dispatch(first_obj)
    [again_obj] = objects_from_event(event)
    again = dispatcher.dispatch(again_obj)

    assert first.status == "accepted"
    assert again.status == "duplicate"
    assert again.submission_id == first.submission_id
    assert len(world.executions()) == 1


def test_redelivery_after_a_crash_before_the_move_starts_no_second_run(world, dispatcher, monkeypatch):
    obj = world.put("census_2021_v1.tar", tar_bytes(valid_members()))

    def crash(*args, **kwargs):
        raise ConnectionError("lost the network after starting the pipeline")

    with monkeypatch.context() as patch:
        patch.setattr(ArchiveStore, "move", crash)
        with pytest.raises(ConnectionError):
            dispatcher.dispatch(obj)
    assert world.keys("incoming/") == ["incoming/census_2021_v1.tar"]  # kept for the retry

    retried = dispatcher.dispatch(obj)

    assert retried.status == "accepted"
    assert len(world.executions()) == 1
    assert world.keys("incoming/") == []


def test_redelivered_rejection_is_not_reported_twice(world, dispatcher):
    _, body, _ = HOSTILE["symlink"]
    obj = world.put("bad.tar", body)
    assert dispatcher.dispatch(obj).status == "rejected"
    assert dispatcher.dispatch(obj).status == "duplicate"
    assert len(world.notifications()) == 1


def test_a_new_upload_to_the_same_key_is_a_new_submission(world, dispatcher):
    first = world.put("census_2021_v1.tar", tar_bytes(valid_members()))
    dispatcher.dispatch(first)
    second = world.put("census_2021_v1.tar", tar_bytes(valid_members()) + b"\0" * 512)

    outcome = dispatcher.dispatch(second)

    assert outcome.status == "accepted"
    assert outcome.submission_id != submission_id(first)
    assert len(world.executions()) == 2


def test_objects_outside_incoming_are_ignored(world, dispatcher):
    world.clients.s3.put_object(Bucket=world.bucket, Key="processed/x.tar", Body=b"x")
    outcome = dispatcher.dispatch(objects_from_event(eventbridge_event(world.bucket, "processed/x.tar", None, "e", 1))[0])
    assert outcome.status == "ignored"
    assert world.keys() == ["processed/x.tar"]


def test_archive_larger_than_the_limit_is_quarantined_unread(world, table, tmp_path):
    from dorc_runtime.submissions.dispatcher import Dispatcher

    small = type(table)(table.routes, table.limits.model_copy(update={"max_archive_bytes": 100}))
    body = tar_bytes(valid_members())
    obj = world.put("census_2021_v1.tar", body)

    outcome = Dispatcher(small, world.settings, world.clients, workdir=tmp_path).dispatch(obj)

    assert outcome.report["rule"] == "archive.too_large"
    assert world.read(outcome.archive_key) == body
