"""Invoke tasks for local runs: run, call, graph, local-reset, local-envs.

Thin wiring over :mod:`dorc_runtime.local`; import-light at module level so ``invoke --list``
stays fast (moto and boto3 load only when a run starts).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import DorcError, ExecutionFailed
from ..project import Project
from .declare import dorc_task

_EVENT = "the input event: inline JSON, or @file.json (default: {})"
_LAYER = "the pipeline's layer (may be left out when the name is unique)"
_ENV = "environment whose names to use (default: local, with moto's account)"


def _early_aws(project: Project):  # noqa: ANN202 - an EmbeddedAWS, a context manager that stops it
    """The embedded AWS, its process started at once if the functions' code mentions an AWS SDK:
    before the rest of the run is even imported, so that it imports moto (~0.5 s) on another core
    while this process imports dorc's models, reads the settings and loads the handlers. The
    session tells it what to load; otherwise the session starts it at the first request."""
    from ..local.embedded_aws import EmbeddedAWS, code_mentions_aws

    aws = EmbeddedAWS()
    return aws.start_now() if code_mentions_aws(project) else aws


def _require_valid(project: Project, layer: str, name: str) -> None:
    from ..validation.project import require_valid

    require_valid(project, [(layer, name)])


def _prepared(project: Project, pipeline: str, layer: str | None, event: str | None,
              env: str | None):  # noqa: ANN202 - (the event, layer, pipeline, LocalSettings)
    """What ``run`` and ``call`` check before anything runs: the event, the pipeline (refused as
    ``validate`` refuses it) and the local settings."""
    from ..events import parse_event
    from ..local.session import LocalSettings

    payload = parse_event(event, base=Path.cwd())
    layer, name = project.resolve_pipeline(pipeline, layer)
    _require_valid(project, layer, name)
    return payload, layer, name, LocalSettings.of(project, env)


def _check_output(output: str | None) -> None:
    """Refuse an --output the run could not write, before the run, not after it."""
    if not output:
        return
    folder = Path(output).expanduser().parent
    if not folder.is_dir():
        raise DorcError(
            f"--output {output}: the folder {_relative(folder)}/ does not exist; nothing was run.",
            f"create it first (mkdir -p {_relative(folder)}) or write to an existing folder",
        )
    if Path(output).is_dir():
        raise DorcError(f"--output {output} is a folder; nothing was run.", "give a file name, e.g. --output result.json")


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@dorc_task(
    help={
        "pipeline": "the pipeline to run, e.g. census",
        "layer": _LAYER,
        "event": _EVENT,
        "output": "also write {status, output, error, cause, history} as JSON to this file",
        "env": _ENV,
        "resume": "resume the latest failed run of this pipeline (or the run id given) from where it failed",
    },
    optional=["resume"],
)
def run(c, pipeline, layer=None, event=None, output=None, env=None, resume=None):
    """Run a pipeline locally: its real state machine and handlers, AWS embedded (moto); recorded in .dorc/runs/.

    Example: invoke run census --layer raw --event '{"year": 2024}'
    """
    project = Project.find()
    _check_output(output)
    with _early_aws(project) as aws:
        from ..local.console import RunConsole, failure_location, failure_summary
        from ..local.runner import StartWith, run_pipeline
        from ..runs.cost import summary_line
        from ..runs.recording import Listeners, Recording, resume_plan, unless_in_map
        from ..runs.store import RunStore

        payload, layer, name, settings = _prepared(project, pipeline, layer, event, env)
        console = RunConsole()
        store = RunStore(project.root)
        invocations, events = Listeners(console.invocation), Listeners()
        started: dict[str, Recording] = {}

        def loaded(local) -> StartWith:  # noqa: ANN001 - a LocalRun
            events.callbacks.append(unless_in_map(console.event, (p.asl for p in local.pipelines)))
            plan = resume_plan(store, local, resume) if resume else None
            recording = started["recording"] = Recording.start(store, local, settings, payload, plan)
            invocations.callbacks.append(recording.recorder.invocation)
            events.callbacks.append(recording.recorder.exited)
            console.watch(p.asl for p in local.pipelines)
            console.line(f"Running {layer}/{name} locally (environment {settings.environment}, "
                         f"holding store s3://{settings.holding_bucket})")
            if plan is not None:
                console.line(plan.describe())
            return StartWith(plan.input if plan else payload, recording.options())

        try:
            done = run_pipeline(settings, layer, name, payload, aws=aws, recorder=invocations,
                                on_event=events, on_loaded=loaded)
        except BaseException as stopped:  # Ctrl-C, or a definition the runner refused: not left RUNNING
            if "recording" in started:
                started["recording"].abort(stopped)
            raise
        execution = done.execution
        recording = started["recording"]
        estimate = recording.finish(execution)
    if output:
        Path(output).write_text(json.dumps(execution.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    took = execution.stopped - execution.started
    console.line(f"{execution.status.value} in {took:.2f} s")
    console.line(f"Holding store: {_relative(done.holding_path)}/ ('invoke local-reset' clears it)")
    if not execution.succeeded:
        console.failure_details(execution.cause)
    console.line(f"Recorded as run {recording.id}: 'invoke report --run {recording.id}' shows it"
                 + ("" if execution.succeeded else f", 'invoke run {name} --layer {layer} --resume' resumes it"))
    cost_line = summary_line(estimate, recording.schedules) if estimate else "Estimated AWS cost: no prices for this region"
    if not execution.succeeded:
        console.line(cost_line)
        where = failure_location(execution)
        raise ExecutionFailed(
            f"{layer}/{name} {execution.status.value}{where}: {failure_summary(execution.error, execution.cause)}",
            done.fix or "fix the handler and run again; what earlier states wrote is still in the holding store",
        )
    console.line("Output:")
    console.output(execution.output)
    console.line(cost_line)


@dorc_task(
    help={
        "function": "the function to call, e.g. clean",
        "pipeline": "its pipeline",
        "layer": _LAYER,
        "event": _EVENT,
        "env": _ENV,
    }
)
def call(c, function, pipeline, layer=None, event=None, env=None):
    """Call one function's handler locally, as its pipeline would (same context and embedded AWS).

    Example: invoke call validate census --layer raw --event @event.json
    """
    project = Project.find()
    with _early_aws(project) as aws:
        from ..local.console import RunConsole, failure_summary
        from ..local.runner import call_function
        from ..local.session import LocalSession

        payload, layer, name, settings = _prepared(project, pipeline, layer, event, env)
        console = RunConsole()

        def show(record) -> None:  # noqa: ANN001
            for line in record.lines:
                console.line(f"  | {line}")
            console.line(f"{record.spec.name}: {'failed' if record.error else 'returned'} "
                         f"in {record.duration * 1000:.1f} ms")

        with LocalSession(settings, aws=aws) as session:
            try:
                result = call_function(session, layer, name, function, payload, recorder=show)
            except ExecutionFailed as failed:
                if failed.cause is None:
                    raise
                console.failure_details(failed.cause)  # rendered as 'invoke run' renders it
                raise ExecutionFailed(
                    f"{layer}/{name}: {function} failed: {failure_summary(failed.error, failed.cause)}",
                    "fix the handler and call it again",
                ) from None
    console.output(result)


@dorc_task(
    help={
        "pipeline": "the pipeline to draw",
        "layer": _LAYER,
        "format": "mermaid (text, default), svg, png or dot",
        "output": "file to write (default: stdout for text, <pipeline>.<format> for pictures)",
    }
)
def graph(c, pipeline, layer=None, format="mermaid", output=None):  # noqa: A002 - the option's name
    """Draw a pipeline's state machine from the same ASL that deploy uploads.

    Example: invoke graph census --layer raw --format svg --output census.svg
    """
    from ..asl import NamingResolver, build_state_machine
    from ..local.graph_render import FORMATS, render
    from ..local.session import LocalSettings
    from ..local.state_graph import from_asl
    from ..project import load_definition

    if format not in FORMATS:
        raise DorcError(f"Unknown format {format!r}.", f"use one of: {', '.join(FORMATS)}")
    project = Project.find()
    _check_output(output)
    layer, name = project.resolve_pipeline(pipeline, layer)
    _require_valid(project, layer, name)
    settings = LocalSettings.of(project)
    definition = load_definition(project.pipeline_dir(layer, name), project)
    resolver = NamingResolver(settings.naming, settings.region, settings.account, layer, name)
    picture = render(from_asl(build_state_machine(definition, resolver)), format)
    if output is None and format in ("mermaid", "dot"):
        sys.stdout.write(picture.decode())
        return
    target = Path(output or f"{name}.{format}")
    target.write_bytes(picture)
    print(f"Wrote {_relative(target)}")


@dorc_task(help={"yes": "do not ask for confirmation"})
def local_reset(c, yes=False):
    """Delete the local holding store (.dorc/local/) that local runs keep between runs.

    Example: invoke local-reset --yes
    """
    from ..local.holding_store import HoldingStore

    store = HoldingStore.of_project(Project.find().root)
    objects = list(store.saved())
    if not store.root.exists():
        print("The local holding store is already empty.")
        return
    where = _relative(store.root)
    if not yes:
        print(f"Delete the local holding store {where}/ ({len(objects)} objects)? [y/N] ", end="", flush=True)
        answer = sys.stdin.readline() if sys.stdin is not None else ""
        if not answer:
            print()
            raise DorcError("No answer to the confirmation (stdin is closed); nothing was deleted.",
                            "pass --yes to reset without asking")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was deleted.")
            return
    store.clear()
    print(f"Deleted {where}/ ({len(objects)} objects).")


@dorc_task(help={"clear": "stop the warm servers and remove every environment (the next run builds what it needs again)"})
def local_envs(c, clear=False):
    """List the Python environments local runs built for the pipelines (.dorc/envs/) and the warm servers; --clear removes them.

    Example: invoke local-envs --clear
    """
    import time

    from ..local import warm_servers
    from ..local.sandbox import environments

    root = Project.find().root
    where = _relative(environments.envs_dir(root))
    owners = [str(environments.envs_dir(root)), sys.executable]
    if clear:
        stopped = sum(server.stop() for server, _ in list(warm_servers.running(owners)))
        count = environments.clear(root)
        print(f"Stopped {stopped} warm server{'s' if stopped != 1 else ''}; "
              f"removed {count} environment{'s' if count != 1 else ''} ({where}/).")
        return
    found = environments.existing(root)
    if not found:
        print(f"No environments yet in {where}/: 'invoke run' builds each pipeline's the first time.")
    else:
        rows = [("PIPELINE", "PYTHON", "SIZE", "REQUIREMENTS HASH", "LAST USED")]
        for env in found:
            used = time.strftime("%Y-%m-%d %H:%M", time.localtime(env.last_used)) if env.last_used else "never"
            rows.append((env.label, env.python, f"{env.size_bytes / 1e6:.1f} MB", env.key, used))
        _print_rows(rows)
        print(f"{len(found)} in {where}/ ('invoke local-envs --clear' removes them)")
    servers = [(server, info) for server, info in warm_servers.running(owners) if warm_servers.answers(server)]
    idle = warm_servers.idle_seconds()
    if not servers:
        state = f"they live {idle / 60:g} minutes after a run" if idle else f"off: {warm_servers.IDLE_VARIABLE}=0 or CI"
        print(f"No warm servers ({state}).")
        return
    rows = [("WARM SERVER", "FOR", "STARTED")]
    for _, info in servers:
        label = "embedded AWS (moto)" if info.get("kind") == "aws" else "sandboxes"
        owner = str(info.get("owner", ""))
        rows.append((label, _relative(Path(owner)) if owner.startswith(str(root)) else owner,
                     time.strftime("%Y-%m-%d %H:%M", time.localtime(float(info.get("started", 0))))))
    _print_rows(rows)
    print(f"{len(servers)} warm server{'s' if len(servers) != 1 else ''}, each ending {idle / 60:g} minutes "
          f"after its last run ('invoke local-envs --clear' stops them)")


def _print_rows(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


TASKS = [run, call, graph, local_reset, local_envs]
