"""Pure rules: a deployed history with a failed Map item becomes a record (event shapes as in
https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html), and resume's
refusals and plan (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dorc_runtime.runs.execution_history import record_from_history
from dorc_runtime.runs.resume import ResumeRefused, check_unchanged, plan

ASL = {
    "StartAt": "fetch",
    "States": {
        "fetch": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "fan"},
        "fan": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "each", "States": {"each": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                   "End": True}}}},
    },
}
T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def event(n: int, previous: int, kind: str, **details) -> dict:
    key = {"StateEntered": "stateEnteredEventDetails", "StateExited": "stateExitedEventDetails"}
    suffix = next((k for k in key if kind.endswith(k)), None)
    name = key[suffix] if suffix else kind[0].lower() + kind[1:] + "EventDetails"
    return {"id": n, "previousEventId": previous, "type": kind, "timestamp": T0 + timedelta(seconds=n), name: details}


HISTORY = [
    event(1, 0, "ExecutionStarted", input='{"year": 2021}'),
    event(2, 1, "TaskStateEntered", name="fetch", input='{"year": 2021}'),
    event(3, 2, "TaskScheduled", resource="invoke"),
    event(4, 3, "TaskSucceeded", output='{"Payload": [1, 2]}'),
    event(5, 4, "TaskStateExited", name="fetch", output="[1, 2]"),
    event(6, 5, "MapStateEntered", name="fan", input="[1, 2]"),
    event(7, 6, "MapStateStarted", length=2),
    event(8, 7, "MapIterationStarted", name="fan", index=0),
    event(9, 8, "TaskStateEntered", name="each", input="1"),
    event(10, 7, "MapIterationStarted", name="fan", index=1),
    event(11, 10, "TaskStateEntered", name="each", input="2"),
    event(12, 9, "TaskScheduled", resource="invoke"),
    event(13, 12, "TaskSucceeded", output="10"),
    event(14, 13, "TaskStateExited", name="each", output="10"),
    event(15, 14, "MapIterationSucceeded", name="fan", index=0),
    event(16, 11, "TaskScheduled", resource="invoke"),
    event(17, 16, "TaskFailed", error="ValueError", cause="item 2 is bad"),
    event(18, 17, "MapIterationFailed", name="fan", index=1),
    event(19, 18, "MapStateFailed"),
    event(20, 19, "ExecutionFailed", error="ValueError", cause="item 2 is bad"),
]


def test_a_failed_map_item_is_placed_in_its_iteration():
    record = record_from_history(HISTORY, ASL, {"id": "nightly", "pipeline": "raw/census"})
    got = [(e["scope"], e["state"], e["status"], e["error"]) for e in record["events"]]
    assert got == [
        ("", "fetch", "SUCCEEDED", None),
        ("fan[0]", "each", "SUCCEEDED", None),
        ("fan[1]", "each", "FAILED", "ValueError"),
        ("", "fan", "FAILED", "MapStateFailed"),
    ]
    assert record["status"] == "FAILED" and record["failed_state"] == "fan"
    assert record["input"] == {"value": {"year": 2021}}
    assert record["started"] == (T0 + timedelta(seconds=1)).timestamp()
    fan_item = record["events"][2]
    assert fan_item["input"] == {"value": 2} and fan_item["cause"] == "item 2 is bad"


def test_a_running_execution_shows_what_is_running():
    record = record_from_history(HISTORY[:11], ASL, {"id": "nightly", "pipeline": "raw/census"})
    assert record["status"] == "RUNNING"
    assert sorted(record["running"]) == ["/fan", "fan[0]/each", "fan[1]/each"]


def test_the_history_record_resumes_like_a_local_one():
    record = record_from_history(HISTORY, ASL, {"id": "nightly", "pipeline": "raw/census"})
    resumed = plan(record, ASL, ASL, lambda ref: None if ref is None else ref.get("value"))
    assert resumed.start_state == "fan" and resumed.input == [1, 2]
    assert resumed.reuse == {"fan": {0: 10}} and resumed.reused_states == ("fetch",)
    assert resumed.definition(ASL)["StartAt"] == "fan"


def test_resume_refuses_a_state_that_changed_type():
    changed = {**ASL, "States": {**ASL["States"], "fetch": {"Type": "Pass", "Next": "fan"}}}
    with pytest.raises(ResumeRefused) as raised:
        check_unchanged(ASL, changed, "r1")
    assert "fetch changed type" in str(raised.value)


def test_resume_accepts_an_added_state():
    added = {**ASL, "States": {**ASL["States"], "extra": {"Type": "Succeed"}}}
    check_unchanged(ASL, added, "r1")


def test_resume_refuses_a_run_that_succeeded():
    with pytest.raises(ResumeRefused) as raised:
        plan({"id": "r1", "status": "SUCCEEDED", "events": []}, ASL, ASL, lambda ref: ref)
    assert "Run r1 succeeded" in str(raised.value)
