"""What ``invoke list`` shows: layers, their pipelines, each pipeline's functions in run order and
its schedules with their next run times.

Pure data out of the project; the task renders it. A pipeline that fails to load is listed with
its first problem rather than stopping the listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import DefinitionError, DorcError
from ..graph import successors
from ..models.definition import CronTrigger, PipelineDefinition
from ..project import Project
from ..schedules import DEFAULT_TIMEZONE, is_zoned, next_runs, schedule_timezone

NEXT_RUNS = 3


@dataclass(frozen=True)
class ScheduleEntry:
    expression: str
    timezone: str
    scheduler: bool  # EventBridge Scheduler (a zone other than UTC), else an EventBridge rule
    enabled: bool
    next_runs: tuple[datetime, ...]


@dataclass(frozen=True)
class PipelineEntry:
    name: str
    description: str = ""
    functions: tuple[str, ...] = ()
    problem: str | None = None
    schedules: tuple[ScheduleEntry, ...] = ()


@dataclass(frozen=True)
class LayerEntry:
    name: str
    pipelines: tuple[PipelineEntry, ...]


def run_order(definition: PipelineDefinition) -> list[str]:
    """Functions in the order they can run: each after all its predecessors, ties in file order."""
    succ = successors(definition)
    names = [fn.name for fn in definition.functions]
    waiting = {name: 0 for name in names}
    for targets in succ.values():
        for target in targets:
            if target in waiting:
                waiting[target] += 1
    order: list[str] = []
    ready = [name for name in names if waiting[name] == 0]
    while ready:
        current = ready.pop(0)
        order.append(current)
        for target in succ[current]:
            if target in waiting:
                waiting[target] -= 1
                if waiting[target] == 0:
                    ready.append(target)
    return order + [name for name in names if name not in order]


def schedules(
    definition: PipelineDefinition, project_timezone: str, now: datetime
) -> tuple[ScheduleEntry, ...]:
    found = []
    for trigger in definition.triggers:
        if isinstance(trigger, CronTrigger):
            zone = schedule_timezone(trigger.timezone, project_timezone)
            runs = tuple(next_runs(trigger.expression, zone, now, NEXT_RUNS)) if trigger.enabled else ()
            found.append(
                ScheduleEntry(
                    trigger.expression, zone, is_zoned(trigger.expression, zone), trigger.enabled, runs
                )
            )
    return tuple(found)


def project_timezone(project: Project) -> str:
    """``UNIVERSAL.timezone`` from project_settings.py (UTC when the settings do not load: the
    pipelines then show the settings' problem)."""
    try:
        universal = getattr(project.settings(), "UNIVERSAL", None)
    except DorcError:
        return DEFAULT_TIMEZONE
    return getattr(universal, "timezone", DEFAULT_TIMEZONE)


def _entry(project: Project, layer: str, pipeline: str, zone: str, now: datetime) -> PipelineEntry:
    try:
        definition = project.load(layer, pipeline)
    except DefinitionError as error:
        return PipelineEntry(pipeline, problem=error.problems[0])
    except DorcError as error:
        return PipelineEntry(pipeline, problem=str(error))
    return PipelineEntry(
        pipeline,
        definition.description,
        tuple(run_order(definition)),
        schedules=schedules(definition, zone, now),
    )


def project_listing(project: Project, now: datetime | None = None) -> list[LayerEntry]:
    now = now or datetime.now(UTC)
    zone = project_timezone(project)
    return [
        LayerEntry(layer, tuple(_entry(project, layer, p, zone, now) for p in project.pipelines(layer)))
        for layer in project.layers()
    ]


def schedule_line(schedule: ScheduleEntry) -> str:
    """'cron(30 9 ? * MON-FRI *) Europe/London (EventBridge Scheduler): next Mon 2026-03-30 09:30 BST, ...'"""
    service = "EventBridge Scheduler" if schedule.scheduler else "EventBridge rule"
    head = f"{schedule.expression} {schedule.timezone} ({service})"
    if not schedule.enabled:
        return f"{head}: disabled"
    if not schedule.next_runs:
        return head
    return f"{head}: next " + ", ".join(f"{run:%a %Y-%m-%d %H:%M %Z}" for run in schedule.next_runs)
