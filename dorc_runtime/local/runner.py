"""Run a pipeline (or one function) locally: the glue between the project, the ASL builder and
the interpreter.

project + (layer, pipeline) -> :func:`load_definition` -> :func:`build_state_machine` with the
resolver deploy uses -> handlers keyed by ARN -> :func:`run_state_machine`. A pipeline started by
``NextFunction(type=PIPELINE)`` is loaded the same way and run locally too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..asl import NamingResolver, build_state_machine
from ..errors import ExecutionFailed, ProjectError, did_you_mean
from ..models.definition import Function, NextFunctionTypes, PipelineDefinition
from ..project import load_definition
from .aws_guard import check_local_only, client_environment
from .invocation import FunctionSpec, LocalFunction, Recorder
from .sandbox.environments import Environment
from .sandbox.sdk_use import SdkUse
from .sandbox.worker.loop import IMPORT_MODULE_ERROR, MISSING_MODULE_FIELD
from .sandbox.workers import FIX_FIELD, REFUSED, SandboxSpec
from .session import LocalSession, LocalSettings

# Variables Lambda's runtime sets for every function; code and libraries read them.
LAMBDA_TASK_ROOT = "LAMBDA_TASK_ROOT"
PIPELINE_REQUIREMENTS = "requirements.txt"  # where a pipeline's own packages go (beside __main__.py)
# Loopback never goes through a proxy: handler traffic to the embedded AWS (bodies included) stays local
LOOPBACK_HOSTS = "localhost,127.0.0.1,::1"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass
class LoadedPipeline:
    layer: str
    name: str
    definition: PipelineDefinition
    asl: dict[str, Any]
    arn: str
    functions: dict[str, LocalFunction] = field(default_factory=dict)  # by function name
    sdk: SdkUse | None = None  # read once, when its first sandbox is made

    def sdk_use(self) -> SdkUse:
        """What its functions' own modules use of the AWS SDK (what their fork server prepares)."""
        return SdkUse.of_files(file for fn in self.definition.functions
                               for file in sorted(self.definition.function_dir(fn.name).glob("*.py")))


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
            pipeline_dir = self.settings.project.pipeline_dir(loaded.layer, loaded.name)
            environment = self.session.environment(loaded.layer, loaded.name, pipeline_dir)
            variables = self.sandbox_environment(loaded, fn, spec, environment)
            check_local_only(variables)
            if loaded.sdk is None:
                loaded.sdk = loaded.sdk_use()
            sandboxes = self.session.sandboxes(SandboxSpec(
                environment.python, loaded.definition.function_dir(fn.name).resolve(), spec.arn, variables,
                loaded.sdk))
            sandboxes.prestart()  # its interpreter starts and imports the handler while the run goes on
            loaded.functions[name] = LocalFunction(spec, sandboxes, self.recorder,
                                                   fix_finder(self.settings.project.root, pipeline_dir))
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

    def sandbox_environment(self, loaded: LoadedPipeline, fn: Function, spec: FunctionSpec,
                            environment: Environment) -> dict[str, str]:
        """Everything the function's process sees, and nothing from the shell that started the run
        (no proxies, profiles or real credentials): what a Lambda runtime sets, the endpoint and
        dummy credentials of the embedded AWS, then the function's own variables."""
        runtime_vars = {
            "PATH": f"{environment.python.parent}{os.pathsep}{SYSTEM_PATH}",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": "lambda.handler",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{self.settings.python_version}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            **client_environment(self.session.endpoint_url, self.settings.region),
        }
        variables = {**runtime_vars, **self.environment(loaded, fn, spec)}
        for name in ("NO_PROXY", "no_proxy"):
            variables[name] = ",".join(filter(None, (variables.get(name), LOOPBACK_HOSTS)))
        return variables

    def handlers(self, pipelines: list[LoadedPipeline]) -> dict[str, LocalFunction]:
        return {f.spec.arn: f for p in pipelines for f in p.functions.values()}


def fix_finder(project_root: Path, pipeline_dir: Path) -> Callable[[dict[str, Any]], str | None]:
    """The fix line for a function's failure, where dorc knows one: a module its environment lacks
    goes into the pipeline's requirements file."""
    requirements = os.path.relpath(pipeline_dir / PIPELINE_REQUIREMENTS, project_root)

    def find(document: dict[str, Any]) -> str | None:
        if document.get("errorType") == REFUSED:
            return document.get(FIX_FIELD)
        if document.get("errorType") != IMPORT_MODULE_ERROR:
            return None
        missing = document.get(MISSING_MODULE_FIELD)
        if missing:
            return (f"No module named '{missing}' — add it to {requirements} (or to the project's "
                    f"requirements.txt if every pipeline needs it)")
        return f"fix the import in lambda.py, or add the package it needs to {requirements}"

    return find


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

    def fix_for(self, error: str | None) -> str | None:
        """What to do about a run that failed with ``error``, if a function's sandbox knows."""
        for local in self.handlers.values():
            if error in local.fixes:
                return local.fixes[error]
        return None

    def execute(self, event: Any, on_event: EventCallback | None = None, **options: Any) -> Any:
        """Run it through the interpreter; return the :class:`Execution`."""
        from . import run_state_machine

        for local in self.handlers.values():
            local.sandboxes.wait_ready()
        return run_state_machine(
            self.top.asl,
            self.handlers,
            event,
            state_machines={p.arn: (p.asl, self.handlers) for p in self.pipelines[1:]},
            # no context_factory: a sandboxed handler gets the context its sandbox makes, and the
            # run's side needs only the request id, which the interpreter's default context makes
            on_event=on_event,
            state_machine_arn=self.top.arn,
            state_machine_type=self.top.definition.type,
            **options,
        )


@dataclass(frozen=True)
class PipelineRun:
    """What a local run of a pipeline gives back."""

    execution: Any  # the interpreter's Execution: status, output, error, cause, history
    holding_path: Path  # where the holding bucket's objects are on disk after the run
    fix: str | None  # what to do about a failure, when a function's sandbox knows (else None)


@dataclass(frozen=True)
class StartWith:
    """What ``on_loaded`` may ask a run to start with instead: another input (a resumed run's
    recorded one) and options for the interpreter (recording, reused results)."""

    event: Any
    options: dict[str, Any]


def run_pipeline(settings: LocalSettings, layer: str, pipeline: str, event: Any, *,
                 aws: Any = None, recorder: Recorder | None = None, on_event: EventCallback | None = None,
                 on_loaded: Callable[[LocalRun], StartWith | None] | None = None) -> PipelineRun:
    """Run a pipeline (and the pipelines it starts) locally, as ``invoke run`` does: the embedded
    AWS, each pipeline's environment, each function in its own sandbox, the real state machine.
    The one entry point for running a pipeline; ``recorder`` sees every invocation (with what it
    printed), ``on_event`` every history event, ``on_loaded`` the loaded run before it starts.
    ``aws``: an :class:`EmbeddedAWS` started earlier (see ``tasks.local``)."""
    with LocalSession(settings, aws=aws) as session:
        local = LocalRun(session, layer, pipeline, recorder)
        start = on_loaded(local) if on_loaded is not None else None
        if start is not None:
            event = start.event
        execution = local.execute(event, on_event=on_event, **(start.options if start else {}))
    fix = None if execution.succeeded else local.fix_for(execution.error)
    return PipelineRun(execution, session.holding_path(), fix)


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
    local.sandboxes.wait_ready()
    context = local.spec.context()
    try:
        return call_with_timeout(lambda: invoke(local, event, context), local.spec.timeout_seconds)
    except StatesError as exc:
        raise ExecutionFailed(f"{function} failed: {exc.error}: {exc.cause}",
                              local.fixes.get(exc.error) or "fix the handler and call it again",
                              error=exc.error, cause=exc.cause) from None
    except HandlerTimeout:
        raise ExecutionFailed(
            f"{function} failed: States.Timeout: the handler did not return within its "
            f"{local.spec.timeout_seconds:g} s timeout",
            f"make it faster or raise Function(name={function!r}, timeout_seconds=...)",
        ) from None
