"""Copy an image's staged files into a folder: the whole build context the engine receives."""

from __future__ import annotations

import shutil
from pathlib import Path

from .assets import ImageAsset


def stage(asset: ImageAsset, destination: Path) -> Path:
    """Write exactly ``asset.files`` under ``destination`` (an empty or new folder) and return it."""
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise ValueError(f"staging folder {destination} is not empty")
    for staged in asset.files:
        target = destination / staged.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if staged.source is None:
            target.write_bytes(b"")
        else:
            shutil.copyfile(staged.source, target)
    return destination
