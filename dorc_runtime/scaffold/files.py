"""Pure builders: what files a layer, a pipeline, a function or a stack consists of.

Each builder returns ``{relative path: content}`` and touches nothing; :mod:`.writer` puts the
result on disk. The post-generation hook and the ``new-*`` tasks use the same builders, so a
baked pipeline and a scaffolded one are identical. Only the standard library is imported here:
the hook may run where cookiecutter is installed without dorc's dependencies.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Sequence

from ..naming import Naming

Files = dict[str, str | bytes]

DEFAULT_FUNCTION = "function1"
PROJECT_VENV = ".venv"
ROUTES_FILE = "routes.py"  # = submissions.routes.ROUTES_FILE (that module needs pydantic)
ROUTE_IMPORT = "from dorc_runtime.submissions.routes import Route\n"


def _q(text: str) -> str:
    """A quoted scalar valid in YAML and in Python source alike (JSON string syntax)."""
    return json.dumps(text)


def _venv_from(depth: int) -> str:
    return "/".join([".."] * depth + [PROJECT_VENV])


def pulumi_project(name: str, description: str, depth: int) -> str:
    """``Pulumi.yaml`` for a program ``depth`` folders below the project root."""
    return (
        f"name: {name}\n"
        f"description: {_q(description)}\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        f"    virtualenv: {_venv_from(depth)}\n"
    )


def pulumi_stack(project_name: str, environment: str, region: str) -> str:
    """``Pulumi.<env>.yaml``: the stack's environment (Pulumi requires config keys namespaced by
    the project name) and ``aws:region``, so the AWS provider deploys to the project's region even
    when Pulumi runs the program by hand, without dorc setting AWS_REGION."""
    return f"config:\n  {_q('aws:region')}: {_q(region)}\n  {_q(project_name + ':environment')}: {_q(environment)}\n"


def universal_stack(region: str) -> str:
    """``universal/Pulumi.universal.yaml``: universal serves every environment, so only the region."""
    return f"config:\n  {_q('aws:region')}: {_q(region)}\n"


def stack_files(project_name: str, description: str, depth: int, environments: Iterable[str], region: str) -> Files:
    files: Files = {"Pulumi.yaml": pulumi_project(project_name, description, depth)}
    for env in environments:
        files[f"Pulumi.{env}.yaml"] = pulumi_stack(project_name, env, region)
    return files


def infra_stacks(slug: str, environments: Iterable[str], region: str) -> Files:
    """``infra/Pulumi.<env>.yaml`` for every environment (``Pulumi.yaml`` is in the template)."""
    return {f"Pulumi.{env}.yaml": pulumi_stack(Naming.infra_project(slug), env, region) for env in environments}


def pipeline_stacks(
    slug: str, layer: str, pipeline: str, environments: Iterable[str], region: str, description: str = ""
) -> Files:
    name = Naming.pipeline_project(slug, layer, pipeline)
    text = description or f"dorc pipeline {layer}/{pipeline}"
    return stack_files(name, text, depth=3, environments=environments, region=region)


def function_call(name: str, next_function: str | None = None) -> str:
    """The source of one ``Function(...)`` entry (also what we ask users to add by hand)."""
    if next_function is None:
        return f"Function(name={_q(name)})"
    return f"Function(name={_q(name)}, next_function={_q(next_function)})"


def chain(functions: Sequence[str]) -> list[str]:
    """``Function`` entries that run ``functions`` one after the other."""
    nexts = list(functions[1:]) + [None]
    return [function_call(name, nxt) for name, nxt in zip(functions, nexts, strict=True)]


def main_module(layer: str, pipeline: str, description: str, functions: Sequence[str]) -> str:
    entries = "".join(f"        {entry},\n" for entry in chain(functions))
    return (
        f'"""The {pipeline} pipeline of the {layer} layer: its functions in run order.\n'
        "\n"
        "dorc loads this file to validate, list, plan and run the pipeline; Pulumi runs it as\n"
        "__main__ to deploy it (invoke deploy).\n"
        '"""\n'
        "\n"
        "from dorc_runtime import Function, PipelineDefinition\n"
        "from project_settings import config\n"
        "\n"
        "pipeline_definition = PipelineDefinition(\n"
        "    file_path=__file__,\n"
        f"    description={_q(description)},\n"
        "    functions=[\n"
        f"{entries}"
        "    ],\n"
        ")\n"
        "\n"
        'if __name__ == "__main__":\n'
        "    from dorc_runtime import CreatePipeline\n"
        "\n"
        "    CreatePipeline(config(), pipeline_definition).apply()\n"
    )


def pipeline_requirements(layer: str, pipeline: str) -> str:
    return (
        f"# Python packages for every function of {layer}/{pipeline}, installed into its images\n"
        "# after the project-wide requirements.txt. One requirement per line, e.g. requests==2.32.3\n"
    )


def lambda_module(layer: str, pipeline: str, function: str) -> str:
    return (
        f'"""The {function} step of {layer}/{pipeline}."""\n'
        "\n"
        "\n"
        "def handler(event, context):\n"
        '    """Do this step\'s work. Step Functions passes the returned value, which must be\n'
        '    JSON-serialisable, to the next function as its event; this placeholder passes the\n'
        '    event on and records that it ran."""\n'
        f'    return {{**event, "steps": [*event.get("steps", []), {_q(function)}]}}\n'
    )


def function_test(layer: str, pipeline: str, function: str) -> str:
    return (
        f'"""Tests for the {function} handler of {layer}/{pipeline}, called as \'invoke call\' calls it\n'
        "(the `dorc` fixture of dorc_runtime.testing: the embedded AWS, an empty holding store).\n"
        '"""\n'
        "\n"
        "\n"
        f"def test_{function.replace('-', '_')}_records_its_step(dorc):\n"
        f'    output = dorc.call({_q(function)}, {_q(pipeline)}, layer={_q(layer)}, event={{"year": 2021}})\n'
        "\n"
        f'    assert output == {{"year": 2021, "steps": [{_q(function)}]}}\n'
    )


def pipeline_test(layer: str, pipeline: str) -> str:
    return (
        f'"""{layer}/{pipeline} as a whole, run as \'invoke run\' runs it (the `dorc` fixture of\n'
        "dorc_runtime.testing: the real state machine and handlers, the embedded AWS).\n"
        '"""\n'
        "\n"
        "\n"
        "def test_every_function_runs_in_order(dorc):\n"
        f'    result = dorc.run({_q(pipeline)}, layer={_q(layer)}, event={{"year": 2021}})\n'
        "\n"
        "    assert result.succeeded, result.failure\n"
        "    # each placeholder handler records its step: replace this with what yours write and return\n"
        '    assert result.output["steps"] == result.states()\n'
    )


def function_files(layer: str, pipeline: str, function: str) -> Files:
    """A function's files, relative to its pipeline folder."""
    return {
        f"src/{function}/lambda.py": lambda_module(layer, pipeline, function),
        f"tests/test_{function}.py": function_test(layer, pipeline, function),
    }


def pipeline_files(
    slug: str,
    layer: str,
    pipeline: str,
    functions: Sequence[str],
    description: str,
    environments: Iterable[str],
    region: str,
) -> Files:
    """A whole pipeline folder, relative to ``src/<layer>/<pipeline>/``."""
    files: Files = {
        "__main__.py": main_module(layer, pipeline, description, functions),
        "requirements.txt": pipeline_requirements(layer, pipeline),
    }
    files.update(pipeline_stacks(slug, layer, pipeline, environments, region, description))
    files["tests/test_pipeline.py"] = pipeline_test(layer, pipeline)
    for function in functions:
        files.update(function_files(layer, pipeline, function))
    return files


def layer_files() -> Files:
    # git does not keep empty folders; this file keeps a new layer in the repository.
    return {".gitkeep": ""}


def python_string(text: str) -> str:
    """A Python string literal for ``text``: raw (as a user types a regex) when that reads back
    exactly, else ``repr``."""
    raw = f'r"{text}"'
    if '"' not in text and not text.endswith("\\") and "\n" not in text:
        try:
            if ast.literal_eval(raw) == text:
                return raw
        except (SyntaxError, ValueError):
            pass
    return repr(text)


def route_call(source_id: str, layer: str, pipeline: str, required_files: Sequence[str] = ()) -> str:
    """The source of one ``Route(...)`` entry of ``routes.py`` (what ``invoke new-route`` appends)."""
    parts = [f"source_id={python_string(source_id)}", f"layer={_q(layer)}", f"pipeline={_q(pipeline)}"]
    if required_files:
        parts.append(f"required_files=[{', '.join(python_string(p) for p in required_files)}]")
    return f"Route({', '.join(parts)})"


ROUTES_DOC = '''"""Submission routes: which pipeline an archive dropped in the submissions bucket goes to.

Suppliers put a ``.tar``, ``.tar.gz`` or ``.zip`` under ``incoming/`` of the submissions bucket,
with a ``manifest.json`` whose ``source_id`` names their data. The first route whose ``source_id``
pattern matches the WHOLE ``source_id`` wins; its ``required_files`` patterns must each find a file,
its ``validators`` ("package.module:callable", called with each file) must not raise, and then its
pipeline starts with ``{submission_id, source_id, manifest, files, options}``.

Add a route with:

    invoke new-route 'census_.*_v1' --pipeline census --layer raw --require '^data\\\\.csv$'

and try it locally with ``invoke submit ./census_2021_v1.tar``. ``invoke validate`` reports routes
that can never match, overlap, or point to a missing pipeline. Optional archive limits:
``LIMITS = Limits(max_files=1000)`` (from dorc_runtime.submissions.limits). With no routes, no
submissions bucket or dispatcher is deployed.
"""
'''


def routes_module(routes: Sequence[str] = ()) -> str:
    """``routes.py`` with ``routes`` (``Route(...)`` sources, see :func:`route_call`) in ``ROUTES``,
    laid out one per line as ``invoke new-route`` leaves them."""
    entries = "".join(f"    {route},\n" for route in routes)
    listing = f"[\n{entries}]" if routes else "[]"
    return f"{ROUTES_DOC}\n{ROUTE_IMPORT}\nROUTES: list[Route] = {listing}\n"
