"""The shape of a pipeline's function graph: pure checks on a :class:`PipelineDefinition`.

Edges are ``next_function`` (a list means a parallel split) and ``catch`` targets. Every problem
is a sentence naming the function and the fix.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models.definition import PipelineDefinition

from .models.definition import NextFunctionTypes


def successors(definition: PipelineDefinition) -> dict[str, list[str]]:
    """Function name -> the functions it can hand over to (next steps and catch targets)."""
    out: dict[str, list[str]] = {}
    for fn in definition.functions:
        targets = [s.name for s in fn.next_steps if s.type is NextFunctionTypes.FUNCTION]
        targets += [c.next_function for c in fn.catch]
        out[fn.name] = targets
    return out


def start_functions(definition: PipelineDefinition) -> list[str]:
    succ = successors(definition)
    has_pred = {t for targets in succ.values() for t in targets}
    return [fn.name for fn in definition.functions if fn.name not in has_pred]


def graph_problems(definition: PipelineDefinition) -> list[str]:
    problems: list[str] = []
    names = [fn.name for fn in definition.functions]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(f"function {name!r} is listed twice; give each Function a unique name")
        seen.add(name)
    known = set(names)
    succ = successors(definition)
    for fn in definition.functions:
        for step in fn.next_steps:
            if step.type is NextFunctionTypes.FUNCTION and step.name not in known:
                problems.append(
                    f"function {fn.name!r} has next_function {step.name!r}, which is not a function "
                    f"of this pipeline; add Function(name={step.name!r}) or fix the name"
                )
            if step.name == fn.name and step.type is NextFunctionTypes.FUNCTION:
                problems.append(f"function {fn.name!r} names itself as next_function; remove it")
        for catch in fn.catch:
            if catch.next_function not in known:
                problems.append(
                    f"function {fn.name!r} catches errors into {catch.next_function!r}, which is not "
                    f"a function of this pipeline; add Function(name={catch.next_function!r})"
                )
        if isinstance(fn.next_function, list) and len(fn.next_steps) < 2:
            problems.append(
                f"function {fn.name!r}: a list in next_function runs steps in parallel and needs "
                "at least two; use a plain name for one step"
            )
    if problems:
        return problems

    starts = start_functions(definition)
    if len(starts) != 1:
        if not starts:
            problems.append("no function is the start: every function has a predecessor (a cycle); "
                            "remove the next_function that points back to the first function")
        else:
            problems.append(
                f"pipeline has {len(starts)} start functions ({', '.join(starts)}); exactly one "
                "function may have no predecessor: chain them with next_function"
            )
    cycle = _find_cycle(succ)
    if cycle:
        problems.append(
            "functions form a cycle (" + " -> ".join(cycle) + "); Step Functions pipelines must "
            "not loop: remove one next_function"
        )
    if len(starts) == 1 and not cycle:
        reachable = _reachable(starts[0], succ)
        for name in names:
            if name not in reachable:
                problems.append(
                    f"function {name!r} is never reached from {starts[0]!r}; link it with "
                    "next_function or remove it"
                )
    return problems


def _reachable(start: str, succ: dict[str, list[str]]) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for nxt in succ.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _find_cycle(succ: dict[str, list[str]]) -> list[str] | None:
    white, grey, black = 0, 1, 2
    colour: dict[str, int] = defaultdict(int)
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        path.append(node)
        for nxt in succ.get(node, []):
            if colour[nxt] == grey:
                return path[path.index(nxt):] + [nxt]
            if colour[nxt] == white:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        colour[node] = black
        return None

    for node in succ:
        if colour[node] == white:
            found = visit(node)
            if found:
                return found
    return None
