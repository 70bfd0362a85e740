"""Function images, built and published once per content before the pipeline stacks deploy.

assets (what a function's image holds, its content tag; pure) -> staging (the build context on
disk) -> publisher (build what is missing, push what the registry lacks) over two seams: the
Docker engine (:mod:`.engine`) and the registry (:mod:`.registry`).
"""

from .assets import ImageAsset, StagedFile, image_asset, pipeline_assets, staged_files
from .engine import DockerEngine, Engine
from .publisher import ImageResult, ImageStatus, build_images, publish_images
from .registry import EcrRegistry, Registry
from .staging import stage

__all__ = [
    "DockerEngine",
    "EcrRegistry",
    "Engine",
    "ImageAsset",
    "ImageResult",
    "ImageStatus",
    "Registry",
    "StagedFile",
    "build_images",
    "image_asset",
    "pipeline_assets",
    "publish_images",
    "stage",
    "staged_files",
]
