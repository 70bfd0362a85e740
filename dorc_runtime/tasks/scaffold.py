"""Invoke tasks that grow and check a config repository: new-layer, new-pipeline, new-function,
list, validate, test.

Thin wiring: plans come from :mod:`dorc_runtime.scaffold.operations`, are applied by
:mod:`dorc_runtime.scaffold.writer`, checks from :mod:`dorc_runtime.validation.project`.
Import-light on purpose (no Pulumi, boto3 or moto): these run often and must start fast.
"""

from __future__ import annotations

from ..errors import DefinitionError, DorcError
from ..project import Project
from .declare import dorc_task


def _created(paths: list[str]) -> None:
    for path in paths:
        print(f"  created {path}" if not path.endswith("__main__.py") else f"  updated {path}")


@dorc_task(help={"name": "the new layer's name, e.g. curated"})
def new_layer(c, name):
    """Create the layer folder src/<name>/ (pipelines are grouped by layer).

    Example: invoke new-layer curated
    """
    from ..scaffold import operations, writer

    project = Project.find()
    paths = writer.apply(project.root, operations.plan_layer(project, name))
    print(f"Layer {name!r} created.")
    _created(paths)


@dorc_task(
    help={
        "name": "the new pipeline's name, e.g. census",
        "layer": "its layer (may be left out when the project has one layer)",
        "functions": "comma-separated function names in run order (default: function1)",
        "description": "one line saying what the pipeline does",
    }
)
def new_pipeline(c, name, layer=None, functions="", description=""):
    """Create src/<layer>/<name>/ with its definition, stacks, requirements, functions and tests.

    Example: invoke new-pipeline weather --layer raw --functions fetch,clean
    """
    from ..scaffold import operations, writer

    project = Project.find()
    plan = operations.plan_pipeline(project, name, layer, functions, description)
    paths = writer.apply(project.root, plan)
    print(f"Pipeline {name!r} created.")
    _created(paths)


@dorc_task(
    help={
        "name": "the new function's name, e.g. clean",
        "pipeline": "the pipeline to add it to",
        "layer": "the pipeline's layer (needed only when the name is in several layers)",
        "after": "run the new function right after this one (default: after the last function)",
        "no_wire": "only create the folder and test; you add Function(...) to __main__.py yourself",
    }
)
def new_function(c, name, pipeline, layer=None, after=None, no_wire=False):
    """Create src/<function>/lambda.py and its test, and wire it into the pipeline's __main__.py.

    Example: invoke new-function enrich census --layer raw --after validate
    """
    from ..scaffold import operations, writer

    project = Project.find()
    plan = operations.plan_function(project, name, pipeline, layer, after, wire=not no_wire)
    paths = writer.apply(project.root, plan)
    print(f"Function {name!r} created.")
    _created(paths)


@dorc_task(name="list")
def list_(c):
    """Show layers, their pipelines and each pipeline's shape: run order, [parallel | branches],
    (map) steps and ⇒ hand-offs to other pipelines.

    Example: invoke list
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.text import Text
    from rich.tree import Tree

    from ..scaffold.listing import project_listing, schedule_line

    project = Project.find()
    tree = Tree(f"[bold]{project.root.name}[/bold]")
    invalid: list[str] = []
    for layer in project_listing(project):
        branch = tree.add(f"[bold cyan]{layer.name}[/bold cyan]")
        if not layer.pipelines:
            branch.add("[dim](no pipelines yet)[/dim]")
        for pipeline in layer.pipelines:
            label = f"[bold]{pipeline.name}[/bold]"
            if pipeline.problem:
                branch.add(f"{label}  [red]invalid: {escape(pipeline.problem)}[/red]")
                invalid.append(f"{layer.name}/{pipeline.name}")
                continue
            if pipeline.description:
                label += f"  [dim]{escape(pipeline.description)}[/dim]"
            node = branch.add(label)
            node.add(escape(pipeline.shape))
            for schedule in pipeline.schedules:
                node.add(Text(schedule_line(schedule)))
    console = Console()
    if not console.is_terminal:
        # piped or captured: keep whole lines for grep and logs instead of cutting at 80 columns
        console = Console(width=100_000)
    console.print(tree)
    if invalid:
        raise DefinitionError(
            [f"{name} is invalid (shown above)" for name in invalid], "run 'invoke validate' for every problem"
        )


@dorc_task()
def validate(c):
    """Check every pipeline, the project settings, stack files and AWS names; list every problem.

    Example: invoke validate
    """
    from ..validation.project import VALIDATE_FIX, project_problems

    project = Project.find()
    problems = project_problems(project)
    if problems:
        raise DefinitionError(problems, VALIDATE_FIX)
    count = len(project.all_pipelines())
    print(f"OK: {count} pipeline{'s' if count != 1 else ''} in {len(project.layers())} layers, no problems.")


@dorc_task(help={"args": "extra pytest arguments, e.g. '-k census -x'"})
def test(c, args=""):
    """Run the project's tests with pytest: tests/ with dorc's tools, each pipeline's tests/ in
    that pipeline's own environment (its requirements + requirements-test.txt), as local runs use.

    Example: invoke test --args '-k census -x'
    """
    import shlex

    from ..local.sandbox.pipeline_tests import test_runs

    project = Project.find()
    failed: list[str] = []
    for run in test_runs(project, project.settings().UNIVERSAL.python_version):
        print(f"== {run.label} (Python {run.python})", flush=True)
        paths = " ".join(shlex.quote(str(path.relative_to(project.root))) for path in run.paths)
        with c.cd(str(project.root)):
            result = c.run(f"{shlex.quote(str(run.python))} -m pytest {paths} {args}", warn=True, pty=False,
                           env=run.environment, replace_env=True)
        # pytest's 5: nothing collected (e.g. -k matched nothing in this folder), not a failure
        if result is not None and result.exited not in (0, 5):
            failed.append(f"{run.label} (pytest exit code {result.exited})")
    if failed:
        raise DorcError(f"The tests failed: {', '.join(failed)}.", "see pytest's report above")


TASKS = [new_layer, new_pipeline, new_function, list_, validate, test]
