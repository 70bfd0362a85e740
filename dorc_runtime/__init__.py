"""dorc_runtime: the runtime vendored into every dorc config repository.

The models and the creators import on first use (PEP 562): the models need pydantic (~0.2 s) and the
creators Pulumi, and ``invoke run`` starts the embedded AWS's process before either loads (see
docs/local-runs.md). ``from dorc_runtime import Function, PipelineDefinition`` works as usual.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import DorcError

__version__ = "0.1.0"

_MODELS = "dorc_runtime.models"
_CREATORS = "dorc_runtime.deploy.creators"
_LAZY = {
    "Catch": _MODELS,
    "Config": _MODELS,
    "CronTrigger": _MODELS,
    "Function": _MODELS,
    "MapSettings": _MODELS,
    "NextFunction": _MODELS,
    "NextFunctionTypes": _MODELS,
    "PipelineDefinition": _MODELS,
    "Retry": _MODELS,
    "S3Trigger": _MODELS,
    "UniversalConfig": _MODELS,
    "CreateUniversal": _CREATORS,
    "CreateInfra": _CREATORS,
    "CreatePipeline": _CREATORS,
}

if TYPE_CHECKING:
    from .deploy.creators import CreateInfra, CreatePipeline, CreateUniversal
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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # the next lookup is a plain attribute
        return value
    raise AttributeError(f"module 'dorc_runtime' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
