"""What one image function's build context holds, and the content tag that names its image.

Pure apart from reading the files it hashes. The build context is *staged*: only the Dockerfile,
the project's and the pipeline's ``requirements.txt`` and the function folder are copied, at the
paths the Dockerfile expects relative to the project root. The tag is a hash of exactly those
files plus the platform, so an unchanged function keeps its tag in every environment and an
architecture change gives a new tag (and a build for the new platform).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...errors import DeployError
from ...models.definition import Function, PipelineDefinition
from ...naming import Naming
from ..images import DOCKERFILE, REQUIREMENTS, TAG_LENGTH, digest, docker_platform, function_files

# the Dockerfile's build arguments: the pipeline folder and the function folder, project-relative
PIPELINE_PATH_ARG = "PIPELINE_PATH"
CODE_PATH_ARG = "CODE_PATH"


@dataclass(frozen=True)
class StagedFile:
    """One file of a build context: where it goes in the context and where it comes from.

    ``source=None`` stages an empty file: the Dockerfile copies the pipeline's requirements
    unconditionally, so a pipeline without one gets an empty list rather than a failed build.
    """

    path: str
    source: Path | None

    def content(self) -> bytes:
        return b"" if self.source is None else self.source.read_bytes()


@dataclass(frozen=True)
class ImageAsset:
    """One function's image: its repository, platform, build context and content tag."""

    layer: str
    pipeline: str
    function: str
    repository: str  # the ECR repository name, shared by every environment
    platform: str  # Docker's platform, e.g. linux/amd64
    files: tuple[StagedFile, ...]
    build_args: tuple[tuple[str, str], ...]
    tag: str

    @property
    def key(self) -> str:
        return f"{self.layer}/{self.pipeline}/{self.function}"

    @property
    def local_ref(self) -> str:
        """The image's name in the local Docker engine: the repository name and the content tag."""
        return f"{self.repository}:{self.tag}"

    def uri(self, repository_url: str) -> str:
        return f"{repository_url}:{self.tag}"


def staged_files(definition: PipelineDefinition, function: str) -> tuple[StagedFile, ...]:
    """The build context of ``function``, sorted by path: nothing else of the project is sent."""
    root = definition.project_root
    pipeline_dir = definition.pipeline_dir
    function_dir = pipeline_dir / "src" / function

    def optional(path: Path) -> StagedFile:
        return StagedFile(path.relative_to(root).as_posix(), path if path.is_file() else None)

    files = [
        StagedFile(DOCKERFILE, root / DOCKERFILE),
        optional(root / REQUIREMENTS),
        optional(pipeline_dir / REQUIREMENTS),
        *(StagedFile(path.relative_to(root).as_posix(), path) for path in function_files(function_dir)),
    ]
    return tuple(sorted(files, key=lambda staged: staged.path))


def _entries(
    platform: str, build_args: tuple[tuple[str, str], ...], files: tuple[StagedFile, ...]
) -> Iterator[tuple[str, bytes]]:
    yield "platform", platform.encode()
    for key, value in build_args:
        yield f"build-arg:{key}", value.encode()
    for staged in files:
        yield f"file:{staged.path}", staged.content()


def image_asset(definition: PipelineDefinition, fn: Function, naming: Naming) -> ImageAsset:
    """The image of one function; the deploy program and the publish stage both call this."""
    if not (definition.project_root / DOCKERFILE).is_file():
        raise DeployError(
            f"{definition.layer}/{definition.name}: function {fn.name!r} is packaged as an image but the "
            f"project has no {DOCKERFILE}.",
            "restore the Dockerfile from the template, or set package_type='zip' on the Function",
        )
    files = staged_files(definition, fn.name)
    root = definition.project_root
    build_args = (
        (PIPELINE_PATH_ARG, definition.pipeline_dir.relative_to(root).as_posix()),
        (CODE_PATH_ARG, (definition.pipeline_dir / "src" / fn.name).relative_to(root).as_posix()),
    )
    platform = docker_platform(fn.architecture)
    return ImageAsset(
        layer=definition.layer,
        pipeline=definition.name,
        function=fn.name,
        repository=naming.ecr_repository(definition.layer, definition.name, fn.name),
        platform=platform,
        files=files,
        build_args=build_args,
        tag=digest(_entries(platform, build_args, files))[:TAG_LENGTH],
    )


def pipeline_assets(definition: PipelineDefinition, naming: Naming) -> list[ImageAsset]:
    """The images of a pipeline's image functions, in definition order (zip functions have none)."""
    return [image_asset(definition, fn, naming) for fn in definition.functions if fn.package_type == "image"]
