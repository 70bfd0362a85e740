"""Build and publish function images once per content (AWS CDK's and SAM's asset publishing).

``build_images`` builds what the local engine lacks (``invoke build``). ``publish_images`` is the
deploy stage between universal (which creates the repositories) and the pipeline stacks (which only
reference ``<repository>:<tag>``): a tag the registry already holds is skipped, anything else is
built by the very same code and pushed. A second deploy, or a second environment, therefore builds
and pushes nothing, and an IMMUTABLE repository is never asked to take a tag twice.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .assets import ImageAsset
from .engine import Engine
from .registry import Registry
from .staging import stage


class ImageStatus(str, Enum):
    BUILT = "built"
    UP_TO_DATE = "up to date"  # the local engine (build) or the registry (publish) has the tag
    PUSHED = "pushed"


@dataclass(frozen=True)
class ImageResult:
    asset: ImageAsset
    status: ImageStatus

    def line(self) -> str:
        return f"{self.asset.key}  {self.asset.tag}  {self.asset.platform}  {self.status.value}"


Report = Callable[[ImageResult], None]


def build_image(asset: ImageAsset, engine: Engine) -> ImageStatus:
    """Build ``asset`` from its staged context unless the engine already has its tag."""
    if engine.has_image(asset.local_ref):
        return ImageStatus.UP_TO_DATE
    with tempfile.TemporaryDirectory(prefix="dorc-image-") as folder:
        context = stage(asset, Path(folder) / "context")
        engine.build(context, asset.local_ref, asset.platform, dict(asset.build_args))
    return ImageStatus.BUILT


def build_images(assets: Iterable[ImageAsset], engine: Engine, report: Report | None = None) -> list[ImageResult]:
    results = []
    for asset in assets:
        result = ImageResult(asset, build_image(asset, engine))
        if report:
            report(result)
        results.append(result)
    return results


def publish_image(asset: ImageAsset, engine: Engine, registry: Registry) -> ImageStatus:
    if registry.has_tag(asset.repository, asset.tag):
        return ImageStatus.UP_TO_DATE
    build_image(asset, engine)
    engine.push(asset.local_ref, registry.repository_url(asset.repository), asset.tag, registry.auth())
    return ImageStatus.PUSHED


def publish_images(
    assets: Iterable[ImageAsset], engine: Engine, registry: Registry, report: Report | None = None
) -> list[ImageResult]:
    results = []
    for asset in assets:
        result = ImageResult(asset, publish_image(asset, engine, registry))
        if report:
            report(result)
        results.append(result)
    return results
