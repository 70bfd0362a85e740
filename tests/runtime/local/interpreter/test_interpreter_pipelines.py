"""startExecution.sync:2: a pipeline hands over to another local pipeline."""

from __future__ import annotations

import json

from interpreter_cases import CHILD_FAILURE, PIPELINE_HANDOFF, RESOLVER
from test_interpreter_parity import run_locally

from dorc_runtime.local import run_state_machine


def test_output_is_the_child_pipelines_output() -> None:
    outcome = run_locally(PIPELINE_HANDOFF)
    assert outcome.status == "SUCCEEDED"
    a_out = {"by": "a", "event": {"year": 2021}}
    assert outcome.output == {"by": "c2", "event": {"by": "c1", "event": a_out}}


def test_failed_child_fails_the_task_with_its_error_in_the_cause() -> None:
    outcome = run_locally(CHILD_FAILURE)
    assert (outcome.status, outcome.error) == ("FAILED", "States.TaskFailed")
    cause = json.loads(outcome.cause)
    assert cause["Status"] == "FAILED" and cause["Error"] == "ValueError"
    assert json.loads(cause["Cause"])["errorType"] == "ValueError"


def test_a_callback_can_run_the_child() -> None:
    seen = []

    def start(arn, child_input):
        seen.append((arn, child_input))
        return run_state_machine({"StartAt": "p", "States": {"p": {"Type": "Pass", "End": True}}}, {}, child_input)

    execution = run_state_machine(PIPELINE_HANDOFF.asl, PIPELINE_HANDOFF.handlers(), {"year": 1}, start_execution=start)
    assert execution.output == {"by": "a", "event": {"year": 1}}
    assert seen == [(RESOLVER.pipeline_arn("raw", "child"), {"by": "a", "event": {"year": 1}})]


def test_unknown_child_pipeline_is_a_named_error() -> None:
    execution = run_state_machine(PIPELINE_HANDOFF.asl, PIPELINE_HANDOFF.handlers(), {})
    assert execution.error == "StepFunctions.StateMachineDoesNotExistException"
    assert RESOLVER.pipeline_arn("raw", "child") in execution.cause
