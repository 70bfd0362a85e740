"""What ``invoke list`` shows: layers (in the project's order), their pipelines, each pipeline's
shape — functions in run order, parallel branches in ``[ a | b ]``, a function that runs once per
item as ``clean (map)``, a hand-off to another pipeline as ``⇒ layer/name`` — and its schedules
with their next run times.

Pure data out of the project; the task renders it. A pipeline that fails to load is listed with
its first problem rather than stopping the listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import DefinitionError, DorcError
from ..graph import NodeKind, Shape, classify, successors
from ..models.definition import CronTrigger, NextFunctionTypes, PipelineDefinition
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
    shape: str = ""
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


def shape_line(definition: PipelineDefinition) -> str:
    """One line drawing the pipeline's real shape (see the module docstring)."""
    shape, _ = classify(definition)
    if shape is None:  # cannot happen for a loaded definition; keep the plain order then
        return " → ".join(run_order(definition))
    return _scope_line(definition, shape, shape.start, None)


def _label(definition: PipelineDefinition, name: str) -> str:
    return f"{name} (map)" if definition.function(name).map is not None else name


def _handoff(definition: PipelineDefinition, step) -> str:  # noqa: ANN001 - a NextFunction
    return f"⇒ {step.layer or definition.layer}/{step.name}"


def _scope_line(definition: PipelineDefinition, shape: Shape, first: str, scope: tuple[str, str] | None) -> str:
    parts: list[str] = []
    current: str | None = first
    while current is not None:
        parts.append(_label(definition, current))
        fn = definition.function(current)
        kind = shape.kinds[current]
        if kind is NodeKind.SPLIT:
            split = shape.splits[current]
            branches = [_scope_line(definition, shape, head, (current, head)) for head in split.heads]
            branches += [_handoff(definition, s) for s in fn.next_steps if s.type is NextFunctionTypes.PIPELINE]
            parts.append("[ " + " | ".join(branches) + " ]")
            current = split.join
        elif kind is NodeKind.PIPELINE:
            parts.append(_handoff(definition, fn.next_steps[0]))
            current = None
        elif kind is NodeKind.LINEAR:
            following = fn.next_steps[0].name
            current = following if shape.scopes.get(following) == scope else None  # a branch ends at its join
        else:
            current = None
    return " → ".join(parts)


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
        shape=shape_line(definition),
        schedules=schedules(definition, zone, now),
    )


def project_listing(project: Project, now: datetime | None = None) -> list[LayerEntry]:
    now = now or datetime.now(UTC)
    zone = project_timezone(project)
    return [
        LayerEntry(layer, tuple(_entry(project, layer, p, zone, now) for p in project.pipelines(layer)))
        for layer in project.ordered_layers()
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
