"""Pass, Wait, Choice, Succeed and Fail: the states that shape data and decide where to go."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ...errors import UnsupportedConstructError
from . import intrinsics
from .choice import Predicate, compile_rule
from .errors import RUNTIME, StatesError
from .paths import Path, compile_path
from .state_base import NULL, State, optional_path, positive_integer, read, static_integer
from .templates import ContextGetter, Template
from .timestamps import parse_timestamp

if TYPE_CHECKING:
    from .runner import Run, Scope


class Pass(State):
    type = "Pass"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.has_result = "Result" in spec
        self.result = spec.get("Result")
        self.parameters = Template(spec["Parameters"], where) if "Parameters" in spec else None
        self.result_path = optional_path(spec, "ResultPath")

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            effective = self.select_input(data, context)
            if self.parameters is not None:
                effective = self.parameters.render(effective, context)
                run.check_size(effective, self.name, "input")
            result = self.result if self.has_result else effective
            path = self.result_path
            output = result if path is None else data if path is NULL else path.set(data, result)  # type: ignore[union-attr]
            output = self.select_output(output, context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, self.next


class Wait(State):
    type = "Wait"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        kinds = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in spec]
        if len(kinds) != 1:
            raise UnsupportedConstructError(f"{where}: a Wait state needs exactly one of Seconds, SecondsPath, "
                                            f"Timestamp or TimestampPath, got {kinds or 'none'}")
        self.seconds = static_integer(spec, "Seconds", where, 0)
        self.seconds_path = compile_path(spec["SecondsPath"]) if "SecondsPath" in spec else None
        self.timestamp = spec.get("Timestamp")
        if self.timestamp is not None and parse_timestamp(self.timestamp) is None:
            raise UnsupportedConstructError(f"{where}: Timestamp {self.timestamp!r} is not an RFC 3339 timestamp "
                                            "(AWS refuses the definition)", fix="write it as 2026-01-31T12:00:00Z")
        self.timestamp_path = compile_path(spec["TimestampPath"]) if "TimestampPath" in spec else None

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            effective = self.select_input(data, context)
            seconds = self._seconds(effective, context)
            output = self.select_output(effective, context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.sleep(seconds, scope)
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, self.next

    def _seconds(self, effective: Any, context: ContextGetter) -> float:
        """AWS: SecondsPath must give a non-negative integer, TimestampPath an RFC 3339 timestamp
        (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html); else States.Runtime."""
        if self.seconds is not None:
            return float(self.seconds)
        # the causes are AWS's wording (as moto's reference interpreter records it), without the
        # "(entered at the event id #N)" that needs AWS's event history
        failing = f"An error occurred while executing the state '{self.name}'."
        if self.seconds_path is not None:
            seconds = read(self.seconds_path, effective, context)
            if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds < 0:
                raise StatesError(RUNTIME, f"{failing} The SecondsPath parameter references a negative value: "
                                           f"{self.seconds_path.text} == {json.dumps(seconds)}")
            return float(positive_integer(seconds, "SecondsPath", self.name, 0))
        value = self.timestamp if self.timestamp is not None else read(self.timestamp_path, effective, context)  # type: ignore[arg-type]
        stamp = parse_timestamp(value)
        if stamp is None:
            shown = value if isinstance(value, str) else json.dumps(value)
            raise StatesError(RUNTIME, f"{failing} The TimestampPath parameter does not reference a valid ISO-8601 "
                                       f"extended offset date-time format string: {self.timestamp_path.text} == {shown}")  # type: ignore[union-attr]
        return max(0.0, stamp.timestamp() - time.time())


class Choice(State):
    type = "Choice"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.rules: list[tuple[Predicate, str]] = [
            (compile_rule(rule, f"{where}.Choices[{i}]"), rule["Next"]) for i, rule in enumerate(spec["Choices"])
        ]
        self.default: str | None = spec.get("Default")

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            effective = self.select_input(data, context)
            target = next((nxt for rule, nxt in self.rules if rule(effective, context)), self.default)
            if target is None:
                # AWS reports no match as States.Runtime (States.NoChoiceMatched is "reserved for future
                # use", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)
                raise StatesError(RUNTIME, f"An error occurred while executing the state '{self.name}'. No Matches!")
            output = self.select_output(effective, context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, target


class Succeed(State):
    type = "Succeed"

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            output = self.select_output(self.select_input(data, context), context)
            run.check_size(output, self.name, "output")
        except StatesError as err:
            run.record(scope, self, data, None, started, 0, "FAILED", err)
            raise
        run.record(scope, self, data, output, started, 0, "SUCCEEDED", None)
        return output, None


class Fail(State):
    type = "Fail"

    def __init__(self, name: str, spec: dict[str, Any], where: str) -> None:
        super().__init__(name, spec, where)
        self.error = spec.get("Error")
        self.cause = spec.get("Cause")
        self.error_path = _path_or_intrinsic(spec.get("ErrorPath"))
        self.cause_path = _path_or_intrinsic(spec.get("CausePath"))

    def execute(self, run: Run, scope: Scope, data: Any) -> tuple[Any, str | None]:
        started = time.time()
        context = self.context(run, started)
        try:
            error = self._text(self.error_path, "ErrorPath", data, context) if self.error_path else self.error
            cause = self._text(self.cause_path, "CausePath", data, context) if self.cause_path else self.cause
            err = StatesError(error, cause)
        except StatesError as failed:
            err = failed
        run.record(scope, self, data, None, started, 0, "FAILED", err)
        raise err

    def _text(self, source: Path | intrinsics.Call, field: str, data: Any, context: ContextGetter) -> str:
        """ErrorPath/CausePath: a reference path or an intrinsic function that gives a string
        (https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html)."""
        if isinstance(source, Path):
            value = read(source, data, context)
        else:
            value = source.evaluate(lambda path: read(path, data, context))
        if not isinstance(value, str):
            raise StatesError(RUNTIME, f"{self.name}: {field} must resolve to a string, got {json.dumps(value)}")
        return value


def _path_or_intrinsic(text: str | None) -> Path | intrinsics.Call | None:
    if text is None:
        return None
    return intrinsics.parse(text) if text.startswith("States.") else compile_path(text)
