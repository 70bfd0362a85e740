"""An in-process Amazon States Language interpreter with Lambda tasks calling Python handlers."""

from .errors import StatesError
from .execution import Execution, ExecutionStatus, HistoryEvent
from .lambda_invoke import MAX_PAYLOAD_BYTES, DefaultContext, call_handler, error_document, lambda_response
from .runner import run_state_machine
from .states import compile_machine

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "DefaultContext",
    "Execution",
    "ExecutionStatus",
    "HistoryEvent",
    "StatesError",
    "call_handler",
    "compile_machine",
    "error_document",
    "lambda_response",
    "run_state_machine",
]
