"""`invoke list` shows each pipeline's schedules with their next three run times in their zone."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from invoke import Context

from dorc_runtime.project import Project
from dorc_runtime.scaffold.listing import project_listing, schedule_line
from dorc_runtime.tasks import scaffold as tasks
from tests.helpers.projects import enter_project, write_settings

PIPELINE = """
from dorc_runtime import CronTrigger, Function, PipelineDefinition

pipeline_definition = PipelineDefinition(
    file_path=__file__,
    functions=[Function(name="fetch")],
    trigger=[
        CronTrigger("cron(30 9 ? * MON-FRI *)", timezone="Europe/London"),
        CronTrigger("cron(0 6 * * ? *)"),
        CronTrigger("rate(1 day)"),
        CronTrigger("cron(0 7 * * ? *)", enabled=False),
    ],
)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "stats"
    write_settings(root, "stats")
    folder = root / "src" / "raw" / "census"
    (folder / "src" / "fetch").mkdir(parents=True)
    (folder / "src" / "fetch" / "lambda.py").write_text("def handler(event, context):\n    return event\n")
    (folder / "__main__.py").write_text(textwrap.dedent(PIPELINE))
    enter_project(root, monkeypatch)
    return root


def test_next_runs_cross_the_march_clock_change_in_london(project: Path) -> None:
    (layer,) = project_listing(Project.find(), now=datetime(2026, 3, 26, 12, 0, tzinfo=UTC))
    (pipeline,) = layer.pipelines

    assert [schedule_line(s) for s in pipeline.schedules] == [
        "cron(30 9 ? * MON-FRI *) Europe/London (EventBridge Scheduler): "
        "next Fri 2026-03-27 09:30 GMT, Mon 2026-03-30 09:30 BST, Tue 2026-03-31 09:30 BST",
        "cron(0 6 * * ? *) UTC (EventBridge rule): next Fri 2026-03-27 06:00 UTC, Sat 2026-03-28 06:00 UTC, "
        "Sun 2026-03-29 06:00 UTC",
        "rate(1 day) UTC (EventBridge rule)",
        "cron(0 7 * * ? *) UTC (EventBridge rule): disabled",
    ]


def test_the_project_default_zone_applies_to_triggers_without_one(project: Path) -> None:
    settings = project / "project_settings.py"
    settings.write_text(
        settings.read_text().replace("environments=", 'timezone="America/New_York", environments=')
    )

    (layer,) = project_listing(Project.find(), now=datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    line = schedule_line(layer.pipelines[0].schedules[1])

    # New York moves to EDT on 8 March 2026
    assert line == (
        "cron(0 6 * * ? *) America/New_York (EventBridge Scheduler): "
        "next Sun 2026-03-08 06:00 EDT, Mon 2026-03-09 06:00 EDT, Tue 2026-03-10 06:00 EDT"
    )


def test_the_task_prints_the_schedules(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks.list_(Context())
    out = capsys.readouterr().out
    assert "cron(30 9 ? * MON-FRI *) Europe/London (EventBridge Scheduler): next " in out
    assert "rate(1 day) UTC (EventBridge rule)" in out


def test_an_unknown_zone_is_one_clear_problem_at_load(project: Path) -> None:
    main = project / "src/raw/census/__main__.py"
    main.write_text(main.read_text().replace("Europe/London", "Europe/Londres"))

    (layer,) = project_listing(Project.find())

    assert layer.pipelines[0].problem == (
        "src/raw/census/__main__.py: timezone: time zone 'Europe/Londres' is not an IANA time zone "
        "name; use one such as 'Europe/London', 'America/New_York' or 'UTC'"
    )
