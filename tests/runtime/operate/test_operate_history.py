from datetime import UTC, datetime, timedelta

from dorc_runtime.operate.history import HistoryReader, StepStatus

T0 = datetime(2024, 1, 31, 12, tzinfo=UTC)


def event(id_, type_, seconds=0, **details):
    key = (
        "stateEnteredEventDetails"
        if type_.endswith("Entered")
        else (
            "stateExitedEventDetails"
            if type_.endswith("Exited")
            else f"{type_[0].lower()}{type_[1:]}EventDetails"
        )
    )
    return {"id": id_, "type": type_, "timestamp": T0 + timedelta(seconds=seconds), key: details}


def test_states_are_entered_and_exited_with_durations():
    steps = HistoryReader().read(
        [
            event(1, "ExecutionStarted"),
            event(2, "TaskStateEntered", 0, name="fetch"),
            event(3, "LambdaFunctionScheduled", 0),
            event(4, "LambdaFunctionSucceeded", 3),
            event(5, "TaskStateExited", 4, name="fetch"),
            event(6, "ExecutionSucceeded", 4),
        ]
    )
    assert [(s.state, s.status, s.duration, s.attempt) for s in steps] == [
        ("fetch", StepStatus.ENTERED, None, 1),
        ("fetch", StepStatus.SUCCEEDED, 4.0, 1),
    ]


def test_retries_and_failures_carry_attempt_error_and_cause():
    steps = HistoryReader().read(
        [
            event(2, "TaskStateEntered", 0, name="clean"),
            event(3, "LambdaFunctionScheduled", 0),
            event(4, "LambdaFunctionFailed", 1, error="Lambda.TooManyRequestsException", cause="slow down"),
            event(5, "LambdaFunctionScheduled", 3),
            event(6, "LambdaFunctionFailed", 5, error="ValueError", cause="bad year"),
            event(7, "ExecutionFailed", 5, error="ValueError", cause="bad year"),
        ]
    )
    assert [(s.status, s.attempt, s.error) for s in steps] == [
        (StepStatus.ENTERED, 1, None),
        (StepStatus.FAILED, 1, "Lambda.TooManyRequestsException"),
        (StepStatus.RETRYING, 2, None),
        (StepStatus.FAILED, 2, "ValueError"),
        (StepStatus.FAILED, 2, "ValueError"),
    ]
    assert {s.state for s in steps} == {"clean"}
    assert steps[-1].cause == "bad year" and steps[-1].duration == 5.0


def test_events_can_arrive_over_several_polls():
    reader = HistoryReader()
    first = reader.read([event(2, "PassStateEntered", 0, name="fetch")])
    second = reader.read([event(3, "PassStateExited", 2, name="fetch")])
    assert [s.status for s in first + second] == [StepStatus.ENTERED, StepStatus.SUCCEEDED]
    assert second[0].duration == 2.0
