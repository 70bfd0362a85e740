"""Invoke tasks: build (function images), preview, deploy, destroy and outputs of the project's stacks.

Thin wiring: parse arguments, open the project, hand over to
``dorc_runtime.deploy.automation.commands``. Heavy imports stay inside the bodies.
"""

from __future__ import annotations

from .declare import dorc_task

ENV_HELP = "environment to act on (a key of ENVIRONMENTS in project_settings.py)"
PIPELINE_HELP = "only this pipeline's stack"
LAYER_HELP = "the pipeline's layer (needed only when the name is in several layers)"
VERBOSE_HELP = "also print Pulumi's own output"
PARALLEL_HELP = "run at most N pipeline stacks at a time (default: min(4, CPU count))"


def _session():
    from ..deploy.automation.commands import Session
    from ..project import Project
    from ..settings import load_environment

    project = Project.find()
    return project, Session.open(project, load_environment(project.root))


def _require_valid(project, pipeline, layer) -> None:  # noqa: ANN001
    """Refuse to preview or deploy what 'invoke validate' rejects, with the same lines."""
    from ..validation.project import require_valid

    require_valid(project, [project.resolve_pipeline(pipeline, layer)] if pipeline else project.all_pipelines())


@dorc_task(help={"pipeline": "only this pipeline's images", "layer": LAYER_HELP})
def build(c, pipeline=None, layer=None):
    """Build the function images with the local Docker engine (no push): each tag, built or up to date.

    Example: invoke build --pipeline census --layer raw
    """
    from rich.console import Console

    from ..deploy.publish.stage import run_build
    from ..errors import DeployError
    from ..project import Project

    project = Project.find()
    if pipeline is not None:
        pipelines = [project.resolve_pipeline(pipeline, layer)]
    elif layer is not None:
        raise DeployError("--layer only makes sense with --pipeline.", "add --pipeline <name>")
    else:
        pipelines = project.all_pipelines()
    run_build(project, pipelines, Console())


@dorc_task(help={"env": ENV_HELP, "pipeline": PIPELINE_HELP, "layer": LAYER_HELP, "verbose": VERBOSE_HELP})
def preview(c, env, pipeline=None, layer=None, verbose=False):
    """Show what 'deploy' would change in AWS (pulumi preview), changing nothing.

    Example: invoke preview --env preprod
    """
    from ..deploy.automation.commands import real_seams, resolve_target, run_preview

    project, session = _session()
    _require_valid(project, pipeline, layer)
    run_preview(session, resolve_target(project, env, pipeline, layer), real_seams(verbose=verbose))


@dorc_task(
    help={
        "env": ENV_HELP,
        "pipeline": PIPELINE_HELP,
        "layer": LAYER_HELP,
        "yes": "do not ask for confirmation (needed without a terminal, e.g. in CI)",
        "allow_dirty": "allow deploying prod from a git tree with uncommitted changes",
        "verbose": VERBOSE_HELP,
        "all": "run every stack, even those whose fingerprint says unchanged",
        "changed": "only list which stacks would run and why; change nothing",
        "parallel": PARALLEL_HELP,
    }
)
def deploy(
    c, env, pipeline=None, layer=None, yes=False, allow_dirty=False, verbose=False, all=False, changed=False, parallel=None  # noqa: A002
):
    """Deploy universal -> infra -> every pipeline of an environment (or only --pipeline), skipping unchanged stacks.

    Example: invoke deploy --env prod --pipeline census --layer raw
    """
    from ..deploy.automation.commands import real_seams, resolve_target, run_deploy

    project, session = _session()
    _require_valid(project, pipeline, layer)
    target = resolve_target(project, env, pipeline, layer)
    seams = real_seams(verbose=verbose)
    run_deploy(
        session, target, seams, yes=yes, allow_dirty=allow_dirty, run_all=all, changed=changed, parallel=_parallel(parallel)
    )


def _parallel(value) -> int:  # noqa: ANN001
    from ..deploy.automation.scheduler import default_parallel
    from ..errors import DeployError

    if value is None:
        return default_parallel()
    if not str(value).isdigit() or int(value) < 1:
        raise DeployError(f"--parallel {value!r} is not a number of stacks.", "use --parallel 1 or more, e.g. --parallel 4")
    return int(value)


@dorc_task(
    help={
        "env": ENV_HELP,
        "pipeline": PIPELINE_HELP,
        "layer": LAYER_HELP,
        "yes": "do not ask for confirmation",
        "universal": "also destroy the universal stack (ECR), once no environment uses it",
        "force": "empty buckets (every version) and repositories that still hold data, then destroy",
        "verbose": VERBOSE_HELP,
        "parallel": PARALLEL_HELP,
    }
)
def destroy(c, env, pipeline=None, layer=None, yes=False, universal=False, force=False, verbose=False, parallel=None):
    """Destroy an environment's pipelines then its infra, in reverse deploy order (or only --pipeline).

    Example: invoke destroy --env preprod --yes
    """
    from ..deploy.automation.commands import real_seams, resolve_target, run_destroy

    project, session = _session()
    target = resolve_target(project, env, pipeline, layer, include_universal=universal, removed_ok=True)
    run_destroy(session, target, real_seams(verbose=verbose), yes=yes, force=force, parallel=_parallel(parallel))


@dorc_task(
    help={
        "env": ENV_HELP,
        "stack": "universal, infra or pipeline (default: infra)",
        "pipeline": "the pipeline, with --stack pipeline",
        "layer": LAYER_HELP,
        "json": "print the outputs as JSON",
    }
)
def outputs(c, env=None, stack="infra", pipeline=None, layer=None, json=False):
    """Print a stack's outputs (bucket names, ARNs, repository URLs).

    Example: invoke outputs --env preprod --stack infra --json
    """
    from ..deploy.automation.commands import outputs_stack, real_seams, run_outputs
    from ..deploy.automation.render import print_outputs
    from ..errors import DeployError

    if stack not in ("universal", "infra", "pipeline"):
        raise DeployError(
            f"--stack {stack!r} is not a stack kind.", "use --stack universal, infra or pipeline"
        )
    if stack != "universal" and not env:
        raise DeployError(f"The {stack} stack is per environment.", "add --env <environment>")
    project, session = _session()
    if pipeline is not None:
        layer, pipeline = project.resolve_pipeline(pipeline, layer)
    seams = real_seams()
    ref = outputs_stack(session, env or "", stack, layer, pipeline)
    print_outputs(seams.console, ref, run_outputs(session, ref, seams), as_json=json)


TASKS = [build, preview, deploy, destroy, outputs]
