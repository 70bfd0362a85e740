"""Compile a :class:`PipelineDefinition` into Amazon States Language, as data.

Metaflow's approach: classify the graph first (:func:`dorc_runtime.graph.classify`), refuse the
shapes that cannot compile, then one explicit recursive visit per scope (the state machine, or a
Parallel branch) emits the states. Pure: ARNs come from the resolver; nothing is looked up.

Why ``arn:aws:states:::lambda:invoke`` with ``OutputPath: $.Payload`` rather than the bare Lambda
ARN as Resource: it is the integration AWS recommends and documents its transient-error Retry for,
and it lets a Task name the function in ``Parameters``, which is also how the local runner finds
the handler. ``OutputPath`` unwraps the invoke response so each state's output is exactly the
handler's return value, as with the bare ARN.
"""

from __future__ import annotations

from ..errors import DefinitionError
from ..graph import NodeKind, Shape, classify, graph_problems
from ..models.definition import (
    TRANSIENT_LAMBDA_ERRORS,
    Function,
    NextFunction,
    NextFunctionTypes,
    PipelineDefinition,
)
from ..naming import fit
from .resolver import Resolver
from .types import (
    LAMBDA_INVOKE,
    START_EXECUTION_SYNC,
    Branch,
    Catcher,
    MapState,
    ParallelState,
    Retrier,
    State,
    StateMachine,
    TaskState,
)

STATE_NAME_MAX = 80

# AWS's recommended retry for the Lambda service's own transient failures.
DEFAULT_LAMBDA_RETRY: Retrier = {
    "ErrorEquals": list(TRANSIENT_LAMBDA_ERRORS),
    "IntervalSeconds": 1,
    "MaxAttempts": 3,
    "BackoffRate": 2.0,
}

# Function names are lower-case with '-'/'_' (dorc_runtime.names), so a '.' in the extra state
# names below can never collide with a function's state.


def parallel_state_name(function: str) -> str:
    return fit(f"{function}.parallel", STATE_NAME_MAX, ".")


def map_item_state_name(function: str) -> str:
    return fit(f"{function}.item", STATE_NAME_MAX, ".")


def pipeline_state_name(function: str, layer: str, pipeline: str) -> str:
    return fit(f"{function}.start.{layer}.{pipeline}", STATE_NAME_MAX, ".")


def build_state_machine(definition: PipelineDefinition, resolver: Resolver) -> dict:
    """The state machine for ``definition``; raises :class:`DefinitionError` for shapes it refuses."""
    problems = graph_problems(definition)
    shape, _ = classify(definition)
    if problems or shape is None:
        raise DefinitionError(problems, fix="change next_function/catch so the graph has a supported shape")
    compiler = _Compiler(definition, shape, resolver)
    top = compiler.scope(shape.start, None)
    machine: StateMachine = {"Comment": definition.description, "StartAt": top["StartAt"], "States": top["States"]}
    return dict(machine)


class _Compiler:
    def __init__(self, definition: PipelineDefinition, shape: Shape, resolver: Resolver) -> None:
        self.definition = definition
        self.shape = shape
        self.resolver = resolver

    def scope(self, entry: str, key: tuple[str, str] | None) -> Branch:
        """Emit every state of one scope, starting at ``entry``; branches recurse into here."""
        states: dict[str, State] = {}
        pending = [entry]
        while pending:
            name = pending.pop(0)
            if name in states:
                continue
            fn = self.definition.function(name)
            follow = self.function_states(fn, key, states)
            pending += [n for n in follow if n not in states]
        return {"StartAt": entry, "States": states}

    def function_states(self, fn: Function, key: tuple[str, str] | None, states: dict[str, State]) -> list[str]:
        """Add ``fn``'s state (and any Parallel / pipeline state after it); return names to visit next."""
        follow = [c.next_function for c in fn.catch]
        state = self.map_state(fn) if fn.map is not None else self.task_state(fn)
        states[fn.name] = state
        kind = self.shape.kinds[fn.name]
        if kind is NodeKind.END:
            state["End"] = True
        elif kind is NodeKind.PIPELINE:
            state["Next"] = self.add_pipeline_state(fn, fn.next_steps[0], states)
        elif kind is NodeKind.LINEAR:
            target = fn.next_steps[0].name
            if self.shape.scopes[target] == key:
                state["Next"] = target
                follow.append(target)
            else:  # the branch's last step: the join runs after the Parallel state
                state["End"] = True
        else:
            parallel_name = parallel_state_name(fn.name)
            state["Next"] = parallel_name
            join = self.shape.splits[fn.name].join
            parallel: ParallelState = {"Type": "Parallel", "Branches": self.branches(fn)}
            if join is None:
                parallel["End"] = True
            else:
                parallel["Next"] = join
                follow.append(join)
            states[parallel_name] = parallel
        return follow

    def branches(self, fn: Function) -> list[Branch]:
        out: list[Branch] = []
        for step in fn.next_steps:
            if step.type is NextFunctionTypes.FUNCTION:
                out.append(self.scope(step.name, (fn.name, step.name)))
            else:
                states: dict[str, State] = {}
                name = self.add_pipeline_state(fn, step, states)
                out.append({"StartAt": name, "States": states})
        return out

    def add_pipeline_state(self, fn: Function, step: NextFunction, states: dict[str, State]) -> str:
        layer = step.layer or self.definition.layer
        name = pipeline_state_name(fn.name, layer, step.name)
        task: TaskState = {
            "Type": "Task",
            "Resource": START_EXECUTION_SYNC,
            "Parameters": {"StateMachineArn": self.resolver.pipeline_arn(layer, step.name), "Input.$": "$"},
            "OutputPath": "$.Output",
            "End": True,
        }
        states[name] = task
        return name

    def lambda_task(self, fn: Function) -> TaskState:
        retry: list[Retrier] = [dict(DEFAULT_LAMBDA_RETRY)]  # type: ignore[list-item]
        for rule in fn.retry:
            retrier: Retrier = {
                "ErrorEquals": list(rule.errors),
                "IntervalSeconds": rule.interval_seconds,
                "MaxAttempts": rule.max_attempts,
                "BackoffRate": float(rule.backoff_rate),
            }
            if rule.max_delay_seconds is not None:
                retrier["MaxDelaySeconds"] = rule.max_delay_seconds
            if rule.jitter is not None:
                retrier["JitterStrategy"] = rule.jitter
            retry.append(retrier)
        return {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE,
            "Parameters": {"FunctionName": self.resolver.function_arn(fn.name), "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "TimeoutSeconds": fn.timeout_seconds,
            "Retry": retry,
        }

    def task_state(self, fn: Function) -> TaskState:
        task = self.lambda_task(fn)
        if fn.catch:
            task["Catch"] = self.catchers(fn)
        return task

    def map_state(self, fn: Function) -> MapState:
        assert fn.map is not None
        item = map_item_state_name(fn.name)
        inner = self.lambda_task(fn)
        inner["End"] = True
        state: MapState = {
            "Type": "Map",
            "ItemsPath": fn.map.items_path,
            "MaxConcurrency": fn.map.max_concurrency,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": item, "States": {item: inner}},
        }
        if fn.map.item_selector is not None:
            state["ItemSelector"] = dict(fn.map.item_selector)
        if fn.catch:
            state["Catch"] = self.catchers(fn)
        return state

    @staticmethod
    def catchers(fn: Function) -> list[Catcher]:
        return [
            {"ErrorEquals": list(c.errors), "Next": c.next_function, "ResultPath": c.result_path}
            for c in fn.catch
        ]
