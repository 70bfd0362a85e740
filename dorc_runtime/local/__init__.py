"""Run pipelines locally. The ASL interpreter's API is re-exported here; handler loading, the
Lambda context and the embedded AWS live in this package's other modules."""

from .interpreter import Execution, ExecutionStatus, HistoryEvent, run_state_machine

__all__ = ["Execution", "ExecutionStatus", "HistoryEvent", "run_state_machine"]
