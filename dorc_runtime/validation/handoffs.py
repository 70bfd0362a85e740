"""Hand-offs between pipelines: a function whose ``NextFunction(type=PIPELINE)`` starts another
pipeline. A cycle of hand-offs (a pipeline that starts itself, or a -> b -> a) would start
executions forever in AWS, so it is refused statically, before any run or deploy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..models.definition import NextFunctionTypes, PipelineDefinition

PipelineKey = tuple[str, str]  # (layer, pipeline)


def handoffs(definition: PipelineDefinition) -> list[PipelineKey]:
    """The pipelines ``definition`` starts, in the order its functions name them."""
    found: list[PipelineKey] = []
    for function in definition.functions:
        for step in function.next_steps:
            if step.type is NextFunctionTypes.PIPELINE:
                key = (step.layer or definition.layer, step.name)
                if key not in found:
                    found.append(key)
    return found


def _label(key: PipelineKey) -> str:
    return f"{key[0]}/{key[1]}"


def cycle_problems(definitions: Mapping[PipelineKey, PipelineDefinition]) -> list[str]:
    """One sentence per hand-off cycle among ``definitions`` (each cycle reported once)."""
    edges = {key: [t for t in handoffs(d) if t in definitions] for key, d in definitions.items()}
    problems: list[str] = []
    seen_cycles: set[frozenset[PipelineKey]] = set()

    def visit(key: PipelineKey, path: list[PipelineKey]) -> None:
        for target in edges.get(key, []):
            if target in path:
                cycle = path[path.index(target):]
                if frozenset(cycle) not in seen_cycles:
                    seen_cycles.add(frozenset(cycle))
                    problems.append(_cycle_sentence([*cycle, target]))
                continue
            visit(target, [*path, target])

    for key in sorted(definitions):
        visit(key, [key])
    return problems


def _cycle_sentence(cycle: Iterable[PipelineKey]) -> str:
    keys = list(cycle)
    chain = " -> ".join(_label(k) for k in keys)
    if len(keys) == 2:
        return (
            f"{_label(keys[0])}: the pipeline starts itself (NextFunction(type=PIPELINE) names it), which "
            "would start executions forever; remove that NextFunction"
        )
    return (
        f"{_label(keys[0])}: pipelines start each other in a cycle ({chain}), which would start "
        "executions forever; remove one of these NextFunction(type=PIPELINE) hand-offs"
    )
