"""Invoke task: plan — what deploy would create, from the real Pulumi programs under mocks.

Thin wiring; Pulumi is imported inside the body so ``invoke --list`` stays fast.
"""

from __future__ import annotations

from .declare import dorc_task


@dorc_task(
    help={
        "env": "environment to plan (a key of ENVIRONMENTS in project_settings.py)",
        "pipeline": "only this pipeline's resources (universal and infra still run, for their outputs)",
        "layer": "the pipeline's layer (needed only when the name is in several layers)",
        "output": "also write the plan as JSON, with every state machine and IAM policy document",
    }
)
def plan(c, env, pipeline=None, layer=None, output=None):
    """List every resource deploy would create (no cloud, no credentials, no Pulumi CLI).

    Example: invoke plan prod --output plan.json
    """
    from pathlib import Path

    from rich.console import Console

    from ..deploy.plan import plan_project
    from ..deploy.plan_view import print_plan, summary, write_json
    from ..naming import LOCAL_ACCOUNT
    from ..project import Project
    from ..validation.project import require_valid

    project = Project.find()
    # the same refusal, with the same lines, as 'invoke validate' (and run and deploy)
    require_valid(project, [project.resolve_pipeline(pipeline, layer)] if pipeline else project.all_pipelines())
    try:
        result = plan_project(project.root, env, layer=layer, pipeline=pipeline)
    finally:
        _close_leftover_event_loop()
    console = Console()
    print_plan(console, result)
    console.print(summary(result))
    if result.account == LOCAL_ACCOUNT:
        console.print(
            f"Note: no AWS account is set, so ARNs show the placeholder account {LOCAL_ACCOUNT}. "
            "Fix: set UniversalConfig(account=...) in project_settings.py or AWS_ACCOUNT in .env.",
            highlight=False,
        )
    if output:
        write_json(result, Path(output))
        console.print(f"Wrote {output}")


def _close_leftover_event_loop() -> None:
    """plan_project leaves a fresh event loop set, for code that runs after it in the same
    process. Here nothing does, so close it now: an unclosed loop finalised at interpreter exit,
    after its self-pipe socket, printed a stray "Exception ignored ... Invalid file descriptor: -1"
    traceback after the plan."""
    import asyncio

    policy = asyncio.get_event_loop_policy()
    try:
        loop = policy.get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running() and not loop.is_closed():
        loop.close()
    policy.set_event_loop(None)


TASKS = [plan]
