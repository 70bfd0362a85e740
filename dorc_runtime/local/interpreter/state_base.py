"""What every compiled state shares: the fields each type allows, InputPath/OutputPath (which may
read the context object), and the checks AWS makes of numbers and query languages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import UnsupportedConstructError
from .errors import RUNTIME, StatesError
from .paths import Path, compile_path
from .templates import ContextGetter

if TYPE_CHECKING:
    from .runner import Run, Scope

COMMON = {"Type", "Comment", "Next", "End", "InputPath", "OutputPath", "QueryLanguage"}
ALLOWED = {
    "Task": COMMON | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",
                      "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"},
    "Parallel": COMMON | {"Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Map": COMMON | {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency",
                     "MaxConcurrencyPath", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Pass": COMMON | {"Result", "ResultPath", "Parameters"},
    "Wait": COMMON | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Choice": {"Type", "Comment", "InputPath", "OutputPath", "Choices", "Default", "QueryLanguage"},
    "Succeed": {"Type", "Comment", "InputPath", "OutputPath", "QueryLanguage"},
    "Fail": {"Type", "Comment", "Error", "Cause", "ErrorPath", "CausePath", "QueryLanguage"},
}
JSONPATH = "JSONPath"
NULL = object()  # ResultPath/InputPath/OutputPath: null (distinct from "absent")


@dataclass(slots=True)
class Machine:
    start: str
    states: dict[str, State]
    timeout: float | None = None


def optional_path(spec: dict[str, Any], key: str) -> Path | object | None:
    if key not in spec:
        return None
    return NULL if spec[key] is None else compile_path(spec[key])


def check_query_language(spec: dict[str, Any], where: str) -> None:
    language = spec.get("QueryLanguage", JSONPATH)
    if language != JSONPATH:
        raise UnsupportedConstructError(
            f"{where}: QueryLanguage {language!r} is not supported by the local runner (only JSONPath)",
            fix="write the state machine with JSONPath paths and intrinsics, or run it on AWS",
        )


def read(path: Path, data: Any, context: ContextGetter) -> Any:
    """A path's value: from the context object for ``$$...`` paths, else from ``data``. AWS lets
    every path field read the context object
    (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html)."""
    return path.get(context() if path.context else data)


def positive_integer(value: Any, field: str, state: str, minimum: int = 1) -> int:
    """A number read through a ``...Path`` field: AWS fails the state with States.Runtime unless
    it is an integer (``2.0`` counts) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < minimum:
        raise StatesError(RUNTIME, f"{state}: {field} must resolve to an integer >= {minimum}, got {json.dumps(value)}")
    return int(value)


def static_integer(spec: dict[str, Any], key: str, where: str, minimum: int) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UnsupportedConstructError(f"{where}: {key} must be an integer >= {minimum}, got {value!r} "
                                        "(AWS refuses the definition)", fix=f"set {key} to a whole number")
    return value


class State:
    """Fields and behaviour shared by every state type."""

    type = ""

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        unknown = set(spec) - ALLOWED[self.type]
        if unknown:
            raise UnsupportedConstructError(
                f"{where}: field(s) {', '.join(sorted(unknown))} of a {self.type} state are not supported "
                "by the local runner", fix="remove them or run the pipeline on AWS",
            )
        check_query_language(spec, where)
        self.name = name
        self.where = where
        self.next: str | None = spec.get("Next")
        self.input_path = optional_path(spec, "InputPath")
        self.output_path = optional_path(spec, "OutputPath")
        if self.next is None and not spec.get("End") and self.type not in ("Choice", "Succeed", "Fail"):
            raise UnsupportedConstructError(f"{where}: state has neither Next nor End")

    def select_input(self, data: Any, context: ContextGetter) -> Any:
        path = self.input_path
        if path is None:
            return data
        return {} if path is NULL else read(path, data, context)  # type: ignore[arg-type]

    def select_output(self, data: Any, context: ContextGetter) -> Any:
        path = self.output_path
        if path is None:
            return data
        return {} if path is NULL else read(path, data, context)  # type: ignore[arg-type]

    def context(self, run: Run, entered: float) -> ContextGetter:
        """The context object while this state runs (no ``State.RetryCount``: only states that
        can retry have one)."""
        return lambda: run.context_object(self.name, entered, None)

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        raise NotImplementedError
