"""Run a pipeline (or one function) locally: the glue between the project, the ASL builder and
the interpreter.

project + (layer, pipeline) -> :func:`load_definition` -> :func:`build_state_machine` with the
resolver deploy uses -> handlers keyed by ARN -> :func:`run_state_machine`. A pipeline started by
``NextFunction(type=PIPELINE)`` is loaded the same way and run locally too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..asl import NamingResolver, build_state_machine
from ..errors import ExecutionFailed, ProjectError, did_you_mean
from ..models.definition import Function, NextFunctionTypes, PipelineDefinition
from ..project import load_definition
from .handlers import IsolatedFunction, load
from .invocation import FunctionSpec, LocalFunction, Recorder
from .session import LocalSession

# Variables Lambda's runtime sets for every function; code and libraries read them.
LAMBDA_TASK_ROOT = "LAMBDA_TASK_ROOT"


@dataclass
class LoadedPipeline:
    layer: str
    name: str
    definition: PipelineDefinition
    asl: dict[str, Any]
    arn: str
    functions: dict[str, LocalFunction] = field(default_factory=dict)  # by function name


class PipelineLoader:
    """Loads pipelines for one session: definition, ASL and (on demand) handlers."""

    def __init__(self, session: LocalSession, recorder: Recorder | None = None) -> None:
        self.session = session
        self.settings = session.settings
        self.recorder = recorder
        self._loaded: dict[tuple[str, str], LoadedPipeline] = {}

    def resolver(self, layer: str, pipeline: str) -> NamingResolver:
        s = self.settings
        return NamingResolver(s.naming, s.region, s.account, layer, pipeline)

    def pipeline(self, layer: str, pipeline: str, handlers: bool = True) -> LoadedPipeline:
        key = (layer, pipeline)
        if key not in self._loaded:
            definition = load_definition(self.settings.project.pipeline_dir(layer, pipeline), self.settings.project)
            resolver = self.resolver(layer, pipeline)
            asl = build_state_machine(definition, resolver)
            arn = resolver.pipeline_arn(layer, pipeline)
            self._loaded[key] = LoadedPipeline(layer, pipeline, definition, asl, arn)
        loaded = self._loaded[key]
        if handlers:
            for fn in loaded.definition.functions:
                self.function(loaded, fn.name)
        return loaded

    def with_downstream(self, layer: str, pipeline: str) -> list[LoadedPipeline]:
        """The pipeline and every pipeline it starts, transitively (each once)."""
        order: list[LoadedPipeline] = []
        pending = [(layer, pipeline)]
        while pending:
            key = pending.pop(0)
            if any((p.layer, p.name) == key for p in order):
                continue
            loaded = self.pipeline(*key)
            order.append(loaded)
            pending += list(downstream_of(loaded.definition))
        return order

    def function(self, loaded: LoadedPipeline, name: str) -> LocalFunction:
        if name not in loaded.functions:
            try:
                fn = loaded.definition.function(name)
            except KeyError:
                names = ", ".join(f.name for f in loaded.definition.functions)
                raise ProjectError(
                    f"Pipeline {loaded.layer}/{loaded.name} has no function {name!r}."
                    + did_you_mean(name, [f.name for f in loaded.definition.functions]),
                    f"use one of: {names}",
                ) from None
            spec = self.spec(loaded, fn)
            isolated = IsolatedFunction(fn.name, loaded.definition.function_dir(fn.name).resolve(),
                                        self.environment(loaded, fn, spec))
            load(isolated, self.session.gate)
            loaded.functions[name] = LocalFunction(spec, isolated, self.session.gate, self.recorder)
        return loaded.functions[name]

    def spec(self, loaded: LoadedPipeline, fn: Function) -> FunctionSpec:
        naming = self.settings.naming
        return FunctionSpec(
            name=fn.name,
            layer=loaded.layer,
            pipeline=loaded.name,
            physical_name=naming.lambda_function(loaded.layer, loaded.name, fn.name),
            arn=self.resolver(loaded.layer, loaded.name).function_arn(fn.name),
            memory_mb=fn.memory_mb,
            timeout_seconds=fn.timeout_seconds,
            log_group=naming.lambda_log_group(loaded.layer, loaded.name, fn.name),
        )

    def environment(self, loaded: LoadedPipeline, fn: Function, spec: FunctionSpec) -> dict[str, str]:
        """What Lambda sets, what deploy passes (the same function builds it), and the user's own."""
        folder = loaded.definition.function_dir(fn.name).resolve()
        lambda_vars = {
            "AWS_LAMBDA_FUNCTION_NAME": spec.physical_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            LAMBDA_TASK_ROOT: str(folder),
            # there is no X-Ray daemon locally; powertools' Tracer would otherwise try to reach one
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        dorc_vars = self.settings.naming.handler_environment(self.settings.account, loaded.layer, loaded.name, fn.name)
        return {**lambda_vars, **dorc_vars, **fn.environment}

    def handlers(self, pipelines: list[LoadedPipeline]) -> dict[str, LocalFunction]:
        return {f.spec.arn: f for p in pipelines for f in p.functions.values()}


def downstream_of(definition: PipelineDefinition) -> Iterator[tuple[str, str]]:
    for fn in definition.functions:
        for step in fn.next_steps:
            if step.type is NextFunctionTypes.PIPELINE:
                yield step.layer or definition.layer, step.name


EventCallback = Callable[[Any], None]


class LocalRun:
    """A pipeline and everything it starts, loaded and ready to run in ``session``."""

    def __init__(self, session: LocalSession, layer: str, pipeline: str, recorder: Recorder | None = None) -> None:
        self.session = session
        self.loader = PipelineLoader(session, recorder)
        self.pipelines = self.loader.with_downstream(layer, pipeline)
        self.handlers = self.loader.handlers(self.pipelines)

    @property
    def top(self) -> LoadedPipeline:
        return self.pipelines[0]

    def execute(self, event: Any, on_event: EventCallback | None = None, **options: Any) -> Any:
        """Run it through the interpreter; return the :class:`Execution`."""
        from . import run_state_machine

        return run_state_machine(
            self.top.asl,
            self.handlers,
            event,
            state_machines={p.arn: (p.asl, self.handlers) for p in self.pipelines[1:]},
            context_factory=context_factory(self.handlers),
            on_event=on_event,
            state_machine_arn=self.top.arn,
            **options,
        )


def context_factory(handlers: dict[str, LocalFunction]) -> Callable[[str, float | None], Any]:
    """The interpreter asks for a context per invocation: give it the function's Lambda one."""

    def make(function_arn: str, timeout_seconds: float | None) -> Any:
        local = handlers.get(function_arn)
        if local is None:  # the interpreter reports the missing function itself
            from .interpreter import DefaultContext

            return DefaultContext(function_arn, timeout_seconds)
        return local.spec.context()

    return make


def call_function(session: LocalSession, layer: str, pipeline: str, function: str, event: Any,
                  recorder: Recorder | None = None) -> Any:
    """Run one handler as its Task would (same context, environment, JSON and size checks,
    timeout); a failure raises :class:`ExecutionFailed` with Lambda's error and cause."""
    from .interpreter.errors import HandlerTimeout, StatesError
    from .interpreter.lambda_invoke import invoke
    from .interpreter.timeouts import call_with_timeout

    loader = PipelineLoader(session, recorder)
    loaded = loader.pipeline(layer, pipeline, handlers=False)
    local = loader.function(loaded, function)
    context = local.spec.context()
    try:
        return call_with_timeout(lambda: invoke(local, event, context), local.spec.timeout_seconds)
    except StatesError as exc:
        raise ExecutionFailed(f"{function} failed: {exc.error}: {exc.cause}", "fix the handler and call it again",
                              error=exc.error, cause=exc.cause) from None
    except HandlerTimeout:
        raise ExecutionFailed(
            f"{function} failed: States.Timeout: the handler did not return within its "
            f"{local.spec.timeout_seconds:g} s timeout",
            f"make it faster or raise Function(name={function!r}, timeout_seconds=...)",
        ) from None
