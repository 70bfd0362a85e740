"""Invoke tasks that grow and check a config repository: new-layer, new-pipeline, new-function,
list, validate, test.

Thin wiring: plans come from :mod:`dorc_runtime.scaffold.operations`, are applied by
:mod:`dorc_runtime.scaffold.writer`, checks from :mod:`dorc_runtime.validation.project`.
Import-light on purpose (no Pulumi, boto3 or moto): these run often and must start fast.
"""

from __future__ import annotations

import sys

from invoke import task

from ..cli import cli_errors
from ..errors import DefinitionError, DorcError
from ..project import Project


def _created(paths: list[str]) -> None:
    for path in paths:
        print(f"  created {path}" if not path.endswith("__main__.py") else f"  updated {path}")


@task(help={"name": "the new layer's name, e.g. curated"})
@cli_errors
def new_layer(c, name):
    """Create the layer folder src/<name>/ (pipelines are grouped by layer)."""
    from ..scaffold import operations, writer

    project = Project.find()
    paths = writer.apply(project.root, operations.plan_layer(project, name))
    print(f"Layer {name!r} created.")
    _created(paths)


@task(
    help={
        "name": "the new pipeline's name, e.g. census",
        "layer": "its layer (may be left out when the project has one layer)",
        "functions": "comma-separated function names in run order (default: function1)",
        "description": "one line saying what the pipeline does",
    }
)
@cli_errors
def new_pipeline(c, name, layer=None, functions="", description=""):
    """Create src/<layer>/<name>/ with its definition, stacks, requirements, functions and tests."""
    from ..scaffold import operations, writer

    project = Project.find()
    plan = operations.plan_pipeline(project, name, layer, functions, description)
    paths = writer.apply(project.root, plan)
    print(f"Pipeline {name!r} created.")
    _created(paths)


@task(
    help={
        "name": "the new function's name, e.g. clean",
        "pipeline": "the pipeline to add it to",
        "layer": "the pipeline's layer (needed only when the name is in several layers)",
        "after": "run the new function right after this one (default: after the last function)",
        "no_wire": "only create the folder and test; you add Function(...) to __main__.py yourself",
    }
)
@cli_errors
def new_function(c, name, pipeline, layer=None, after=None, no_wire=False):
    """Create src/<function>/lambda.py and its test, and wire it into the pipeline's __main__.py."""
    from ..scaffold import operations, writer

    project = Project.find()
    plan = operations.plan_function(project, name, pipeline, layer, after, wire=not no_wire)
    paths = writer.apply(project.root, plan)
    print(f"Function {name!r} created.")
    _created(paths)


@task(name="list")
@cli_errors
def list_(c):
    """Show layers, their pipelines and each pipeline's functions in run order."""
    from rich.console import Console
    from rich.text import Text
    from rich.tree import Tree

    from ..scaffold.listing import project_listing, schedule_line

    project = Project.find()
    tree = Tree(f"[bold]{project.root.name}[/bold]")
    for layer in project_listing(project):
        branch = tree.add(f"[bold cyan]{layer.name}[/bold cyan]")
        if not layer.pipelines:
            branch.add("[dim](no pipelines yet)[/dim]")
        for pipeline in layer.pipelines:
            label = f"[bold]{pipeline.name}[/bold]"
            if pipeline.problem:
                branch.add(f"{label}  [red]invalid: {pipeline.problem}[/red]")
                continue
            if pipeline.description:
                label += f"  [dim]{pipeline.description}[/dim]"
            node = branch.add(label)
            node.add(" → ".join(pipeline.functions))
            for schedule in pipeline.schedules:
                node.add(Text(schedule_line(schedule)))
    console = Console()
    if not console.is_terminal:
        # piped or captured: keep whole lines for grep and logs instead of cutting at 80 columns
        console = Console(width=100_000)
    console.print(tree)


@task
@cli_errors
def validate(c):
    """Check every pipeline, the project settings, stack files and AWS names; list every problem."""
    from ..validation.project import project_problems

    project = Project.find()
    problems = project_problems(project)
    if problems:
        raise DefinitionError(problems, "fix each problem as it says, then run 'invoke validate' again")
    count = len(project.all_pipelines())
    print(f"OK: {count} pipeline{'s' if count != 1 else ''} in {len(project.layers())} layers, no problems.")


@task(help={"args": "extra pytest arguments, e.g. '-k census -x'"})
@cli_errors
def test(c, args=""):
    """Run the project's tests (tests/ and every pipeline's tests/) with pytest."""
    project = Project.find()
    with c.cd(str(project.root)):
        result = c.run(f"{sys.executable} -m pytest {args}", warn=True, pty=False)
    if result is not None and result.exited:
        raise DorcError(f"The tests failed (pytest exit code {result.exited}).", "see pytest's report above")


TASKS = [new_layer, new_pipeline, new_function, list_, validate, test]
