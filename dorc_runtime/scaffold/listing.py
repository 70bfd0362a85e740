"""What ``invoke list`` shows: layers (in the project's order), their pipelines, and each
pipeline's shape: functions in run order, parallel branches in ``[ a | b ]``, a function that
runs once per item as ``clean (map)``, and a hand-off to another pipeline as ``⇒ layer/name``.

Pure data out of the project; the task renders it. A pipeline that fails to load is listed with
its first problem rather than stopping the listing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DefinitionError, DorcError
from ..graph import NodeKind, Shape, classify, successors
from ..models.definition import NextFunctionTypes, PipelineDefinition
from ..project import Project


@dataclass(frozen=True)
class PipelineEntry:
    name: str
    description: str = ""
    functions: tuple[str, ...] = ()
    problem: str | None = None
    shape: str = ""


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


def _entry(project: Project, layer: str, pipeline: str) -> PipelineEntry:
    try:
        definition = project.load(layer, pipeline)
    except DefinitionError as error:
        return PipelineEntry(pipeline, problem=error.problems[0])
    except DorcError as error:
        return PipelineEntry(pipeline, problem=str(error))
    return PipelineEntry(pipeline, definition.description, tuple(run_order(definition)), shape=shape_line(definition))


def project_listing(project: Project) -> list[LayerEntry]:
    return [
        LayerEntry(layer, tuple(_entry(project, layer, p) for p in project.pipelines(layer)))
        for layer in project.ordered_layers()
    ]
