"""Run pipelines locally. The ASL interpreter's API is re-exported here (imported on first use, so
that the embedded AWS's module can load without it); handler loading, the Lambda context and the
embedded AWS live in this package's other modules."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .interpreter import Execution, ExecutionStatus, HistoryEvent, run_state_machine

__all__ = ["Execution", "ExecutionStatus", "HistoryEvent", "run_state_machine"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(f"{__name__}.interpreter"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
