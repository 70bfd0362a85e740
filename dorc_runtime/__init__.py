"""dorc_runtime: the runtime vendored into every dorc config repository.

Light names (models) import eagerly; the creators, which need Pulumi, import on first use so
that tasks such as ``invoke list`` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import DorcError
from .models import (
    Catch,
    Config,
    CronTrigger,
    Function,
    MapSettings,
    NextFunction,
    NextFunctionTypes,
    PipelineDefinition,
    Retry,
    S3Trigger,
    UniversalConfig,
)

__version__ = "0.1.0"

_LAZY = {
    "CreateUniversal": "dorc_runtime.deploy.creators",
    "CreateInfra": "dorc_runtime.deploy.creators",
    "CreatePipeline": "dorc_runtime.deploy.creators",
}

if TYPE_CHECKING:
    from .deploy.creators import CreateInfra, CreatePipeline, CreateUniversal


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dorc_runtime' has no attribute {name!r}")


__all__ = [
    "Catch",
    "Config",
    "CreateInfra",
    "CreatePipeline",
    "CreateUniversal",
    "CronTrigger",
    "DorcError",
    "Function",
    "MapSettings",
    "NextFunction",
    "NextFunctionTypes",
    "PipelineDefinition",
    "Retry",
    "S3Trigger",
    "UniversalConfig",
    "__version__",
]
