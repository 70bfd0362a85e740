"""What ``invoke list`` shows: layers, their pipelines, and each pipeline's functions in run order.

Pure data out of the project; the task renders it. A pipeline that fails to load is listed with
its first problem rather than stopping the listing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DefinitionError, DorcError
from ..graph import successors
from ..models.definition import PipelineDefinition
from ..project import Project


@dataclass(frozen=True)
class PipelineEntry:
    name: str
    description: str = ""
    functions: tuple[str, ...] = ()
    problem: str | None = None


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


def _entry(project: Project, layer: str, pipeline: str) -> PipelineEntry:
    try:
        definition = project.load(layer, pipeline)
    except DefinitionError as error:
        return PipelineEntry(pipeline, problem=error.problems[0])
    except DorcError as error:
        return PipelineEntry(pipeline, problem=str(error))
    return PipelineEntry(pipeline, definition.description, tuple(run_order(definition)))


def project_listing(project: Project) -> list[LayerEntry]:
    return [
        LayerEntry(layer, tuple(_entry(project, layer, p) for p in project.pipelines(layer)))
        for layer in project.layers()
    ]
