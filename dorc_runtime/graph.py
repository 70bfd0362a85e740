"""The shape of a pipeline's function graph: pure checks on a :class:`PipelineDefinition`.

Edges are ``next_function`` (a list means a parallel split) and ``catch`` targets. Every problem
is a sentence naming the function and the fix. :func:`classify` places every function in a scope
(top level or one Parallel branch) for the state-machine builder; shapes it cannot compile are
problems here too, so ``invoke validate`` reports them before anything is built.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models.definition import Function, PipelineDefinition

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
    if not problems:
        problems += shape_problems(definition)
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


# -- shapes: classify nodes for the state-machine builder ------------------------------------------


class NodeKind(str, Enum):
    """How a function's step is compiled: what follows it decides the ASL it becomes."""

    LINEAR = "linear"  # one next function
    SPLIT = "split"  # a list of next steps: a Parallel state follows
    PIPELINE = "pipeline"  # hands over to another pipeline (startExecution.sync:2) and ends
    END = "end"  # nothing follows


@dataclass(frozen=True)
class Split:
    """A function whose next steps run in parallel, the branch heads, and where they meet."""

    function: str
    heads: tuple[str, ...]  # function names; pipeline steps have no head function
    join: str | None


@dataclass(frozen=True)
class Shape:
    """The classified graph: node kinds, splits, and which scope (branch) each function lives in.

    A scope is ``None`` for the top level, else ``(split function, head)`` naming the branch.
    """

    start: str
    kinds: dict[str, NodeKind]
    splits: dict[str, Split]
    scopes: dict[str, tuple[str, str] | None]
    joins: frozenset[str] = field(default_factory=frozenset)


def _next_functions(definition: PipelineDefinition) -> dict[str, list[str]]:
    return {
        fn.name: [s.name for s in fn.next_steps if s.type is NextFunctionTypes.FUNCTION]
        for fn in definition.functions
    }


def node_kind(fn: Function) -> NodeKind:
    steps = fn.next_steps
    if isinstance(fn.next_function, list):
        return NodeKind.SPLIT
    if not steps:
        return NodeKind.END
    if steps[0].type is NextFunctionTypes.PIPELINE:
        return NodeKind.PIPELINE
    return NodeKind.LINEAR


def classify(definition: PipelineDefinition) -> tuple[Shape | None, list[str]]:
    """Classify every function and place it in a scope; return the problems that stop compiling.

    Branches of a split run until they meet on a *join*: the first function reachable from two or
    more branches. Every other function reachable from a branch belongs to that branch alone.
    Nothing may jump into or out of a branch except the split itself (into the heads) and the
    branch's last steps (to the join, which runs after the Parallel state).
    """
    succ = successors(definition)
    starts = start_functions(definition)
    if len(starts) != 1 or _find_cycle(succ):
        return None, []  # graph_problems already names these
    kinds = {fn.name: node_kind(fn) for fn in definition.functions}
    problems: list[str] = []
    splits: dict[str, Split] = {}
    reach = {name: _reachable(name, succ) for name in succ}
    branch_sets: dict[tuple[str, str], set[str]] = {}
    for fn in definition.functions:
        if kinds[fn.name] is not NodeKind.SPLIT:
            continue
        heads = tuple(s.name for s in fn.next_steps if s.type is NextFunctionTypes.FUNCTION)
        if len(set(heads)) != len(heads):
            problems.append(f"function {fn.name!r} lists the same next function twice; list each once")
            continue
        seen_by: dict[str, int] = defaultdict(int)
        for head in heads:
            for node in reach[head]:
                seen_by[node] += 1
        shared = {node for node, count in seen_by.items() if count > 1}
        entries = sorted(n for n in shared if not any(n in succ[p] for p in shared))
        if len(entries) > 1:
            problems.append(
                f"the parallel branches after {fn.name!r} converge on different functions "
                f"({', '.join(entries)}); make every branch end at one common join function"
            )
            continue
        join = entries[0] if entries else None
        if join in heads:
            problems.append(
                f"function {fn.name!r}: {join!r} is both a parallel branch and the join of that "
                "split; a branch cannot lead into another branch"
            )
            continue
        splits[fn.name] = Split(fn.name, heads, join)
        for head in heads:
            branch_sets[(fn.name, head)] = reach[head] - shared
    if problems:
        return None, problems

    scopes: dict[str, tuple[str, str] | None] = {}
    for name in succ:
        containing = [key for key, members in branch_sets.items() if name in members]
        # the innermost branch is the one whose split function lies inside all the others
        depth = {key: sum(key[0] in branch_sets[other] for other in containing) for key in containing}
        scopes[name] = max(containing, key=depth.__getitem__) if containing else None
    for key in branch_sets:
        if scopes[key[1]] != key:
            problems.append(f"function {key[1]!r} cannot start a parallel branch of {key[0]!r}")
    problems += _edge_problems(definition, splits, scopes)
    joins = frozenset(s.join for s in splits.values() if s.join)
    for name, preds in _predecessors(_next_functions(definition)).items():
        if len(preds) > 1 and name not in joins and len({scopes[p] for p in preds}) > 1:
            problems.append(
                f"function {name!r} is reached from {', '.join(sorted(preds))}, which are not the "
                "branches of one split; a join must follow a list in next_function"
            )
    if problems:
        return None, sorted(set(problems))
    return Shape(starts[0], kinds, splits, scopes, joins), []


def _predecessors(succ: dict[str, list[str]]) -> dict[str, list[str]]:
    preds: dict[str, list[str]] = defaultdict(list)
    for src, targets in succ.items():
        for target in targets:
            preds[target].append(src)
    return preds


def _edge_problems(
    definition: PipelineDefinition, splits: dict[str, Split], scopes: dict[str, tuple[str, str] | None]
) -> list[str]:
    """Every transition must stay inside one scope (a state machine or one Parallel branch)."""
    problems: list[str] = []
    for fn in definition.functions:
        split = splits.get(fn.name)
        for step in fn.next_steps:
            if step.type is not NextFunctionTypes.FUNCTION:
                continue
            target = step.name
            if split is not None and target in split.heads:
                continue
            if scopes[target] == scopes[fn.name]:
                continue
            branch = scopes[fn.name]
            if branch is not None and splits[branch[0]].join == target:
                continue
            problems.append(
                f"function {fn.name!r} hands over to {target!r}, which is in another parallel branch "
                "or outside its branch; branches may only end at their common join"
            )
        for catch in fn.catch:
            if scopes[catch.next_function] != scopes[fn.name]:
                problems.append(
                    f"function {fn.name!r} catches errors into {catch.next_function!r}, which is "
                    "outside its parallel branch; catch into a function of the same branch"
                )
    return problems


def shape_problems(definition: PipelineDefinition) -> list[str]:
    """Shapes the state-machine builder refuses, plus Retry/Catch ordering rules of ASL."""
    problems: list[str] = []
    for fn in definition.functions:
        for label, rules in (("retry", fn.retry), ("catch", fn.catch)):
            for index, rule in enumerate(rules):
                if "States.ALL" in rule.errors and (len(rule.errors) > 1 or index != len(rules) - 1):
                    problems.append(
                        f"function {fn.name!r}: a {label} on States.ALL must be the last {label} and "
                        "name no other error"
                    )
    return problems + classify(definition)[1]
