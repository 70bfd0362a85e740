"""Inert, validated models: settings and pipeline definitions."""

from .config import Config, UniversalConfig
from .definition import (
    Catch,
    CronTrigger,
    Function,
    MapSettings,
    NextFunction,
    NextFunctionTypes,
    PipelineDefinition,
    Retry,
    S3Trigger,
)

__all__ = [
    "Catch",
    "Config",
    "CronTrigger",
    "Function",
    "MapSettings",
    "NextFunction",
    "NextFunctionTypes",
    "PipelineDefinition",
    "Retry",
    "S3Trigger",
    "UniversalConfig",
]
