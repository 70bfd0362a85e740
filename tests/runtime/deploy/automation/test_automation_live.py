"""The live view of parallel stacks and the summary table."""

import io
from pathlib import Path

from rich.console import Console

from dorc_runtime.deploy.automation.live import LiveProgress, summary_table
from dorc_runtime.deploy.automation.runner import ResourceEvent, ResourceStatus, StackResult
from dorc_runtime.deploy.automation.scheduler import Outcome, Status
from dorc_runtime.deploy.automation.stacks import StackKind, StackRef

CENSUS = StackRef(StackKind.PIPELINE, "prod", Path("/c"), "prod", "raw", "census")
WEATHER = StackRef(StackKind.PIPELINE, "prod", Path("/w"), "prod", "raw", "weather")
LAMBDA = "aws:lambda/function:Function"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_on_a_terminal_one_line_per_running_stack_with_resources_operation_and_elapsed():
    clock = Clock()
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    with LiveProgress(console, clock=clock) as live:
        live.stack_started(CENSUS, "up")
        clock.now = 103.0
        live.stack_started(WEATHER, "up")
        live.resource(CENSUS, ResourceEvent("create", LAMBDA, "fetch", ResourceStatus.STARTED))
        live.resource(CENSUS, ResourceEvent("create", LAMBDA, "fetch", ResourceStatus.DONE, 2.0))
        live.resource(CENSUS, ResourceEvent("update", LAMBDA, "load", ResourceStatus.STARTED))
        clock.now = 112.0
        rows = Console(width=120, record=True)
        rows.print(live._table())
        text = rows.export_text()
        assert [line.rstrip() for line in text.splitlines()] == [
            "pipeline raw/census [prod]   up  1/2  update load  12s",
            "pipeline raw/weather [prod]  up  0/0  starting     9s",
        ]
        live.stack_finished(StackResult(CENSUS, "up", {"create": 1, "update": 1}))
        assert list(live.running) == [WEATHER]


def test_without_a_terminal_plain_lines_for_ci_logs():
    console = Console(record=True, width=200, force_terminal=False)
    live = LiveProgress(console)
    with live:
        live.stack_started(CENSUS, "up")
        live.resource(CENSUS, ResourceEvent("create", LAMBDA, "fetch", ResourceStatus.STARTED))
        live.resource(CENSUS, ResourceEvent("create", LAMBDA, "fetch", ResourceStatus.DONE, 2.0))
        live.stack_finished(StackResult(CENSUS, "up", {"create": 1}))
    assert console.export_text().splitlines() == [
        "pipeline raw/census [prod]: up started",
        "pipeline raw/census [prod]: create fetch done",
        "pipeline raw/census [prod]: up finished, 1 create",
    ]


def test_summary_table_has_stack_result_changes_and_duration():
    outcomes = [
        Outcome(CENSUS, Status.DONE, StackResult(CENSUS, "up", {"update": 1, "same": 9}), seconds=41.25),
        Outcome(WEATHER, Status.FAILED, error="pulumi up failed for the stack:\n  AccessDenied", seconds=3.0),
        Outcome(CENSUS, Status.SKIPPED),
    ]
    console = Console(record=True, width=120)
    console.print(summary_table(outcomes, "Deploy"))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0] == "Deploy"
    assert "┃ stack                       ┃ result  ┃ changes                         ┃ duration ┃" in lines
    assert "│ pipeline raw/census [prod]  │ done    │ 9 same, 1 update                │ 41.2s    │" in lines
    assert "│ pipeline raw/weather [prod] │ failed  │ pulumi up failed for the stack: │ 3.0s     │" in lines
    assert "│ pipeline raw/census [prod]  │ skipped │                                 │          │" in lines
