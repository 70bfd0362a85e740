"""Operating deployed pipelines with boto3: start (and follow) executions, list them, read logs."""

from .aws import AwsClients
from .commands import OperateSeams, run_executions, run_logs, run_redrive, run_start
from .executions import ExecutionSummary
from .history import HistoryReader, StateProgress, StepStatus
from .logs import parse_since
from .target import DeployedPipeline, resolve

__all__ = [
    "AwsClients",
    "DeployedPipeline",
    "ExecutionSummary",
    "HistoryReader",
    "OperateSeams",
    "StateProgress",
    "StepStatus",
    "parse_since",
    "resolve",
    "run_executions",
    "run_logs",
    "run_redrive",
    "run_start",
]
