"""Parallel branches and Map iterations run at the same time, as on AWS: on threads, at most
MaxConcurrency at once, results in order, and the first failure stops the others.

AWS: "the Parallel state ... causes parallel branches of execution"; "If any branch fails, because of
an unhandled error or by transitioning to a Fail state, the entire Parallel state fails and all of its
branches are stopped" (https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from interpreter_cases import arn, invoke
from test_interpreter_conformance import NEVER, machine

from dorc_runtime.local import ExecutionStatus, run_state_machine


def branch(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return machine(*states)


def test_parallel_branches_run_at_the_same_time() -> None:
    barrier = threading.Barrier(3, timeout=20)

    def meet(event: Any, context: Any) -> Any:
        barrier.wait()  # returns only once all three branches are in their handlers together
        return event["n"]

    definition = machine(("split", {"Type": "Parallel", "Branches": [
        branch(("t", {**invoke("meet"), "Parameters": {"FunctionName": arn("meet"), "Payload": {"n": n}}}))
        for n in range(3)]}))
    assert run_state_machine(definition, {arn("meet"): meet}, {}).output == [0, 1, 2]


def test_results_keep_their_order_whatever_finishes_first() -> None:
    def slower_first(event: Any, context: Any) -> Any:
        time.sleep(0.02 * (5 - event))
        return event

    definition = machine(("each", {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 5,
                                   "ItemProcessor": branch(("t", invoke("slow")))}))
    assert run_state_machine(definition, {arn("slow"): slower_first}, {"items": [0, 1, 2, 3, 4]}).output == [0, 1, 2, 3, 4]


def test_waits_in_parallel_branches_do_not_add_up_toward_the_execution_timeout() -> None:
    # three branches each wait 2 s under an execution timeout of 3 s: one after the other they would
    # need 6 s and time out; at the same time they need 2 s
    definition = machine(("split", {"Type": "Parallel", "Branches": [
        branch(("w", {"Type": "Wait", "Seconds": 2})) for _ in range(3)]}), TimeoutSeconds=3)
    execution = run_state_machine(definition, {}, {}, time_scale=0.5)
    assert execution.status is ExecutionStatus.SUCCEEDED


def test_the_first_failure_stops_the_other_branches() -> None:
    after_wait: list[str] = []
    definition = machine(("split", {"Type": "Parallel", "Branches": [
        branch(("long", {"Type": "Wait", "Seconds": NEVER}), ("then", invoke("record"))),
        branch(("fail", {"Type": "Fail", "Error": "Broken", "Cause": "branch 2"})),
    ]}))
    before = set(threading.enumerate())
    execution = run_state_machine(definition, {arn("record"): lambda e, c: after_wait.append("ran")}, {})
    assert (execution.status, execution.error, execution.cause) == (ExecutionStatus.FAILED, "Broken", "branch 2")
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)  # the waiting branch's thread ends: its Wait is cut short...
        assert not thread.is_alive()
    assert after_wait == []  # ...and the branch goes no further


def test_a_failing_map_item_stops_the_items_not_yet_started() -> None:
    started: list[int] = []

    def item(event: Any, context: Any) -> Any:
        started.append(event)
        if event == 0:
            raise ValueError("first item fails")
        return event

    definition = machine(("each", {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                                   "ItemProcessor": branch(("t", invoke("item")))}))
    execution = run_state_machine(definition, {arn("item"): item}, {"items": list(range(50))})
    assert execution.error == "ValueError" and started == [0]
