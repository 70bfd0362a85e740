"""Typed shapes of the Amazon States Language the builder emits.

Only what dorc produces is typed here; the local runner accepts any ASL dict and refuses what it
does not implement. ``total=False`` marks fields that are present only when they apply.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
START_EXECUTION_SYNC = "arn:aws:states:::states:startExecution.sync:2"


class Retrier(TypedDict, total=False):
    ErrorEquals: list[str]
    IntervalSeconds: int
    MaxAttempts: int
    BackoffRate: float
    MaxDelaySeconds: int
    JitterStrategy: Literal["FULL", "NONE"]


class Catcher(TypedDict, total=False):
    ErrorEquals: list[str]
    Next: str
    ResultPath: str | None


class TaskState(TypedDict, total=False):
    Type: Literal["Task"]
    Comment: str
    Resource: str
    Parameters: dict[str, Any]
    ResultSelector: dict[str, Any]
    OutputPath: str
    TimeoutSeconds: int
    Retry: list[Retrier]
    Catch: list[Catcher]
    Next: str
    End: bool


class ProcessorConfig(TypedDict):
    Mode: Literal["INLINE"]


class ItemProcessor(TypedDict):
    ProcessorConfig: ProcessorConfig
    StartAt: str
    States: dict[str, State]


class MapState(TypedDict, total=False):
    Type: Literal["Map"]
    Comment: str
    ItemsPath: str
    ItemSelector: dict[str, Any]
    MaxConcurrency: int
    ItemProcessor: ItemProcessor
    Catch: list[Catcher]
    Next: str
    End: bool


class Branch(TypedDict):
    StartAt: str
    States: dict[str, State]


class ParallelState(TypedDict, total=False):
    Type: Literal["Parallel"]
    Comment: str
    Branches: list[Branch]
    Next: str
    End: bool


State = TaskState | MapState | ParallelState


class StateMachine(TypedDict, total=False):
    Comment: str
    StartAt: str
    States: dict[str, State]
