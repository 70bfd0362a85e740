"""The real wiring of ``invoke build`` and of deploy's publish stage: which functions, which
engine, which registry, and one line per image on the console."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ...naming import Naming
from ...project import Project
from .assets import ImageAsset, pipeline_assets
from .engine import DockerEngine, Engine
from .publisher import ImageResult, build_images, publish_images
from .registry import EcrRegistry, Registry


def project_assets(project: Project, pipelines: Iterable[tuple[str, str]]) -> list[ImageAsset]:
    """The images of the given (layer, pipeline)s, in that order."""
    naming = Naming(project.settings().UNIVERSAL.slug)
    assets: list[ImageAsset] = []
    for layer, pipeline in pipelines:
        assets += pipeline_assets(project.load(layer, pipeline), naming)
    return assets


def _printer(console: Console):
    def report(result: ImageResult) -> None:
        console.print(escape(result.line()), highlight=False)

    return report


def run_build(
    project: Project, pipelines: Iterable[tuple[str, str]], console: Console, engine: Engine | None = None
) -> list[ImageResult]:
    """``invoke build``: build what the local engine lacks, push nothing."""
    assets = project_assets(project, pipelines)
    if not assets:
        console.print("No function is packaged as an image: nothing to build.")
        return []
    return build_images(assets, engine or DockerEngine.from_environment(), _printer(console))


def ecr_registry(project: Project, account: str) -> EcrRegistry:
    """``account``: the one deploy resolved (settings, else the credentials' account via STS) and
    passed to the Pulumi programs, which derive the repository URLs from it too."""
    import boto3

    universal = project.settings().UNIVERSAL
    return EcrRegistry(boto3.client("ecr", region_name=universal.region), account, universal.region)


def run_publish(
    root: Path,
    pipelines: Iterable[tuple[str, str]],
    account: str,
    console: Console,
    engine: Engine | None = None,
    registry: Registry | None = None,
) -> list[ImageResult]:
    """Deploy's publish stage: after universal (the repositories exist), before the pipelines."""
    project = Project(root)
    assets = project_assets(project, pipelines)
    if not assets:
        return []
    console.rule("[bold]publish images")
    registry = registry or ecr_registry(project, account)
    return publish_images(assets, engine or DockerEngine.from_environment(), registry, _printer(console))
