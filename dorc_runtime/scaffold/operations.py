"""What each scaffolding command would create, as a :class:`~.writer.Plan`.

These read the project (which layers and pipelines exist, its settings) and check every name
before anything is planned; they write nothing. The tasks apply the plans with :mod:`.writer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import AlreadyExistsError, InvalidNameError, ProjectError
from ..names import check_name
from ..project import Project
from ..validation.physical_names import pipeline_name_problems
from . import files
from .writer import Plan


@dataclass(frozen=True)
class ProjectValues:
    slug: str
    environments: tuple[str, ...]
    region: str


def project_values(project: Project) -> ProjectValues:
    """The slug and environments from the project's ``project_settings.py`` (their one home)."""
    settings = project.settings()
    try:
        universal = settings.UNIVERSAL
        environments = tuple(settings.ENVIRONMENTS)
    except AttributeError as exc:
        raise ProjectError(
            f"project_settings.py does not define {exc.name}.",
            "define UNIVERSAL and ENVIRONMENTS as the generated project does",
        ) from None
    return ProjectValues(universal.slug, environments, universal.region)


def choose_layer(project: Project, layer: str | None) -> str:
    """The layer asked for, or the only one; a clear error otherwise."""
    layers = project.layers()
    if layer is None:
        if len(layers) == 1:
            return layers[0]
        if not layers:
            raise ProjectError("The project has no layers yet.", "create one with 'invoke new-layer raw'")
        raise ProjectError(
            f"The project has {len(layers)} layers ({', '.join(layers)}): which one?",
            f"add --layer, e.g. --layer {layers[0]}",
        )
    check_name("layer", layer)
    if layer not in layers:
        raise ProjectError(
            f"There is no layer {layer!r}.",
            f"create it with 'invoke new-layer {layer}' or use one of: {', '.join(layers) or 'none yet'}",
        )
    return layer


def _rel(*parts: str) -> str:
    return "/".join(["src", *parts])


def plan_layer(project: Project, name: str) -> Plan:
    check_name("layer", name)
    if (project.src / name).exists():
        raise AlreadyExistsError(
            f"Layer {name!r} already exists (src/{name}); nothing was changed.",
            "choose another name, or add pipelines to it with 'invoke new-pipeline NAME --layer " + name + "'",
        )
    return Plan(trees={_rel(name): files.layer_files()})


def parse_functions(text: str | Sequence[str] | None) -> list[str]:
    """'a,b,c' -> ['a', 'b', 'c'], each name checked; the seed's 'function1' when empty."""
    if text is None or text == "":
        return [files.DEFAULT_FUNCTION]
    names = [n.strip() for n in text.split(",")] if isinstance(text, str) else list(text)
    for name in names:
        check_name("function", name)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidNameError(
            f"Function {duplicates[0]!r} is listed twice in --functions.", "give each function a unique name"
        )
    return names


def plan_pipeline(
    project: Project,
    name: str,
    layer: str | None = None,
    functions: str | Sequence[str] | None = None,
    description: str = "",
) -> Plan:
    check_name("pipeline", name)
    names = parse_functions(functions)
    layer = choose_layer(project, layer)
    if project.pipeline_dir(layer, name).exists():
        raise AlreadyExistsError(
            f"Pipeline {layer}/{name} already exists (src/{layer}/{name}); nothing was changed.",
            "choose another name, or add functions with 'invoke new-function'",
        )
    values = project_values(project)
    problems = pipeline_name_problems(values.slug, values.environments, layer, name, names)
    if problems:
        raise InvalidNameError(problems[0], "choose shorter names")
    tree = files.pipeline_files(values.slug, layer, name, names, description, values.environments, values.region)
    return Plan(trees={_rel(layer, name): tree})


def plan_function(
    project: Project,
    name: str,
    pipeline: str,
    layer: str | None = None,
    after: str | None = None,
    wire: bool = True,
) -> Plan:
    check_name("function", name)
    check_name("pipeline", pipeline)
    if layer is not None:
        check_name("layer", layer)
    layer, pipeline = project.resolve_pipeline(pipeline, layer)
    if after is not None and not wire:
        raise ProjectError("--after needs the definition to be edited.", "drop --no-wire or drop --after")
    pipeline_dir = project.pipeline_dir(layer, pipeline)
    new = files.function_files(layer, pipeline, name)
    if (pipeline_dir / "src" / name).exists():
        raise AlreadyExistsError(
            f"Function folder src/{layer}/{pipeline}/src/{name} already exists; nothing was changed.",
            "choose another name",
        )
    values = project_values(project)
    problems = pipeline_name_problems(values.slug, values.environments, layer, pipeline, [name])
    if problems:
        raise InvalidNameError(problems[0], "choose a shorter name")

    base = _rel(layer, pipeline)
    plan = Plan(
        trees={f"{base}/src/{name}": {"lambda.py": new[f"src/{name}/lambda.py"]}},
        files={f"{base}/tests/test_{name}.py": new[f"tests/test_{name}.py"]},
    )
    if wire:
        # libcst is slow to import; only new-function needs it
        from .wiring import add_function

        main = pipeline_dir / "__main__.py"
        where = f"src/{layer}/{pipeline}/__main__.py"
        plan.edits[f"{base}/__main__.py"] = add_function(main.read_text(encoding="utf-8"), name, after, where)
    return plan
