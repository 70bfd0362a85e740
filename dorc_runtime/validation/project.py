"""Every check ``invoke validate`` runs over a whole config repository.

Each check takes the project and returns problem sentences (file, rule, fix); none stops the
others, so one run lists everything. Loading a definition already runs the model, graph and
folder checks (:func:`dorc_runtime.project.load_definition`); this adds project-level ones:
settings, Pulumi stack files and physical AWS names for every environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..errors import DefinitionError, DorcError
from ..names import check_name
from ..naming import Naming
from ..project import Project, load_definition
from .handoffs import cycle_problems, handoffs
from .physical_names import environment_name_problems, pipeline_name_problems

if TYPE_CHECKING:
    from ..models.definition import PipelineDefinition

VALIDATE_FIX = "fix each problem as it says, then run 'invoke validate' again"


@dataclass(frozen=True)
class Settings:
    slug: str
    account: str | None
    environments: tuple[str, ...]


def _settings(module: ModuleType) -> tuple[Settings | None, list[str]]:
    universal = getattr(module, "UNIVERSAL", None)
    environments = getattr(module, "ENVIRONMENTS", None)
    problems = []
    if universal is None or environments is None or not callable(getattr(module, "config", None)):
        problems.append(
            "project_settings.py must define UNIVERSAL, ENVIRONMENTS and config(); "
            "compare it with the README's 'Project settings'"
        )
        return None, problems
    if tuple(environments) != tuple(universal.environments):
        problems.append(
            f"project_settings.py: ENVIRONMENTS has {list(environments)} but UNIVERSAL.environments is "
            f"{list(universal.environments)}; list the same environments in both"
        )
    return Settings(universal.slug, universal.account, tuple(environments)), problems


def _stack_problems(folder: Path, project_name: str, environments: tuple[str, ...], root: Path) -> list[str]:
    rel = folder.relative_to(root).as_posix()
    problems = []
    pulumi_yaml = folder / "Pulumi.yaml"
    if not pulumi_yaml.is_file():
        problems.append(f"{rel}/Pulumi.yaml is missing; it names the Pulumi project {project_name!r}")
    elif f"name: {project_name}\n" not in pulumi_yaml.read_text(encoding="utf-8"):
        problems.append(f"{rel}/Pulumi.yaml: the project name must be 'name: {project_name}'")
    for env in environments:
        if not (folder / f"Pulumi.{env}.yaml").is_file():
            problems.append(
                f"{rel}/Pulumi.{env}.yaml is missing; create it with "
                f"config: {{{project_name}:environment: {env}}}"
            )
    return problems


def _pipeline_problems(
    project: Project, settings: Settings | None, layer: str, pipeline: str, *, stack_files: bool
) -> tuple[list[str], PipelineDefinition | None]:
    problems: list[str] = []
    if settings is not None and stack_files:
        name = Naming.pipeline_project(settings.slug, layer, pipeline)
        problems += _stack_problems(project.pipeline_dir(layer, pipeline), name, settings.environments, project.root)
    try:
        check_name("pipeline", pipeline)
        definition = load_definition(project.pipeline_dir(layer, pipeline), project)
    except DefinitionError as error:
        return problems + list(error.problems), None
    except DorcError as error:
        return problems + [f"{layer}/{pipeline}: {error}"], None
    if settings is not None:
        functions = [fn.name for fn in definition.functions]
        problems += pipeline_name_problems(settings.slug, settings.environments, layer, pipeline, functions)
    return problems, definition


Check = Callable[[Project, "Settings | None"], list[str]]


def _infra_check(project: Project, settings: Settings | None) -> list[str]:
    if settings is None:
        return []
    problems = _stack_problems(project.root / "infra", Naming.infra_project(settings.slug), settings.environments, project.root)
    problems += environment_name_problems(settings.slug, settings.environments, settings.account)
    return problems


def _layers_check(project: Project, settings: Settings | None) -> list[str]:
    problems = []
    for layer in project.layers():
        try:
            check_name("layer", layer)
        except DorcError as error:
            problems.append(f"src/{layer}: {error}")
    return problems


def _pipelines_check(project: Project, settings: Settings | None) -> list[str]:
    return pipelines_problems(project, settings, project.all_pipelines())


def pipelines_problems(
    project: Project, settings: Settings | None, pipelines: list[tuple[str, str]], *, stack_files: bool = True
) -> list[str]:
    """Every problem of ``pipelines`` and of the pipelines they hand off to, hand-off cycles included."""
    problems: list[str] = []
    definitions: dict[tuple[str, str], PipelineDefinition] = {}
    pending = list(pipelines)
    seen: set[tuple[str, str]] = set()
    while pending:
        key = pending.pop(0)
        if key in seen or key[1] not in project.pipelines(key[0]):
            continue  # a hand-off to a missing pipeline is reported by its starter's folder checks
        seen.add(key)
        found, definition = _pipeline_problems(project, settings, *key, stack_files=stack_files)
        problems += found
        if definition is not None:
            definitions[key] = definition
            pending += handoffs(definition)
    return problems + cycle_problems(definitions)


def _routes_check(project: Project, settings: Settings | None) -> list[str]:
    from ..submissions.routes import route_problems

    return route_problems(project)


# Further project-wide checks join this tuple.
CHECKS: tuple[Check, ...] = (_infra_check, _layers_check, _pipelines_check, _routes_check)


def _settings_of(project: Project) -> tuple[Settings | None, list[str]]:
    try:
        return _settings(project.settings())
    except DorcError as error:
        return None, [str(error)]


def require_valid(project: Project, pipelines: list[tuple[str, str]]) -> None:
    """Refuse, with exactly the lines ``invoke validate`` prints, to run, plan or deploy
    ``pipelines`` (and what they hand off to) while their definitions have problems. Pulumi's
    stack files are left to the deploy steps, which report them themselves."""
    settings, problems = _settings_of(project)
    problems += pipelines_problems(project, settings, pipelines, stack_files=False)
    if problems:
        raise DefinitionError(problems, VALIDATE_FIX)


def project_problems(project: Project) -> list[str]:
    """Every problem in the project; an empty list means ``invoke validate`` passes."""
    settings, problems = _settings_of(project)
    for check in CHECKS:
        problems += check(project, settings)
    return problems
