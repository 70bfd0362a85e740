"""Invoke tasks: start, executions and logs of deployed pipelines (boto3, imported in the bodies)."""

from __future__ import annotations

from .declare import dorc_task

ENV_HELP = "environment the pipeline is deployed to (default: DORC_ENVIRONMENT)"
LAYER_HELP = "the pipeline's layer (needed only when the name is in several layers)"


def _target(pipeline, layer, env):
    from ..environment import current_environment
    from ..errors import ProjectError
    from ..operate import resolve
    from ..project import Project
    from ..settings import resolve_settings

    project = Project.find()
    environment = current_environment(env)
    if not environment:
        raise ProjectError("No environment chosen.", "pass --env, e.g. --env prod")
    account = resolve_settings(project.root).account.id  # the one resolution deploy uses
    return project, resolve(project, pipeline, layer, environment, account)


def _seams():
    from rich.console import Console

    from ..operate import OperateSeams

    return OperateSeams(Console())


@dorc_task(
    help={
        "pipeline": "the pipeline to run",
        "layer": LAYER_HELP,
        "env": ENV_HELP,
        "event": "input as JSON, or @file.json (default: {})",
        "wait": "follow the execution state by state; exit code from its final status",
    }
)
def start(c, pipeline, layer=None, env=None, event=None, wait=False):
    """Start an execution of a deployed pipeline's state machine.

    Example: invoke start census --layer raw --env prod --wait
    """
    from pathlib import Path

    from ..events import parse_event
    from ..operate import run_start

    payload = parse_event(event, base=Path.cwd())
    _, target = _target(pipeline, layer, env)
    run_start(target, payload, _seams(), wait=wait)


@dorc_task(
    help={"pipeline": "the pipeline", "layer": LAYER_HELP, "env": ENV_HELP, "limit": "how many (default 10)"}
)
def executions(c, pipeline, layer=None, env=None, limit=10):
    """List a deployed pipeline's recent executions with status and duration.

    Example: invoke executions census --layer raw --env prod --limit 5
    """
    from ..operate import run_executions

    _, target = _target(pipeline, layer, env)
    run_executions(target, _seams(), limit=int(limit))


@dorc_task(
    help={
        "function": "the function whose logs to show",
        "pipeline": "its pipeline",
        "layer": LAYER_HELP,
        "env": ENV_HELP,
        "since": "how far back: 30m, 1h, 2d, 1w (default 1h)",
    }
)
def logs(c, function, pipeline, layer=None, env=None, since="1h"):
    """Print a deployed function's CloudWatch logs.

    Example: invoke logs validate census --layer raw --env prod --since 30m
    """
    from ..operate import run_logs
    from ..operate.commands import check_function

    project, target = _target(pipeline, layer, env)
    run_logs(target, check_function(project, target, function), since, _seams())


@dorc_task(
    help={
        "pipeline": "the pipeline whose execution to redrive",
        "layer": LAYER_HELP,
        "env": ENV_HELP,
        "execution": "the execution's name (default: the latest failed, timed-out or aborted one)",
        "wait": "follow the redriven execution state by state; exit code from its final status",
    }
)
def redrive(c, pipeline, layer=None, env=None, execution=None, wait=False):
    """Redrive a failed execution on AWS: it continues from the failed state, earlier states are not re-run.

    Example: invoke redrive census --layer raw --env prod --wait
    """
    from ..operate import run_redrive

    project, target = _target(pipeline, layer, env)
    express = project.load(target.layer, target.pipeline).type == "EXPRESS"
    run_redrive(target, _seams(), execution=execution, wait=wait, express=express)


TASKS = [start, executions, logs, redrive]
