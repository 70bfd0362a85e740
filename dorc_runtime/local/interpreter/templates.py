"""Payload templates (Parameters, ItemSelector, ResultSelector): ``"key.$"`` fields take a path
or an intrinsic function; everything else is copied as is. Compiled once per state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import UnsupportedConstructError
from . import intrinsics
from .errors import RUNTIME, StatesError
from .paths import Path, compile_path

ContextGetter = Callable[[], Any]


class Template:
    __slots__ = ("render",)

    def __init__(self, spec: Any, where: str) -> None:
        self.render: Callable[[Any, ContextGetter], Any] = _compile(spec, where)


def _compile(spec: Any, where: str) -> Callable[[Any, ContextGetter], Any]:
    if isinstance(spec, dict):
        fields = [_field(key, value, where) for key, value in spec.items()]

        def render_dict(data: Any, context: ContextGetter) -> Any:
            return {key: fn(data, context) for key, fn in fields}

        return render_dict
    if isinstance(spec, list):
        items = [_compile(item, where) for item in spec]
        return lambda data, context: [fn(data, context) for fn in items]
    return lambda data, context: spec


def _field(key: str, value: Any, where: str) -> tuple[str, Callable[[Any, ContextGetter], Any]]:
    if not key.endswith(".$"):
        return key, _compile(value, where)
    name = key[:-2]
    if not isinstance(value, str):
        raise UnsupportedConstructError(f"{where}: field {key!r} must be a path or intrinsic function string")
    if value.startswith("States."):
        call = intrinsics.parse(value)

        def render_call(data: Any, context: ContextGetter) -> Any:
            return call.evaluate(lambda path: _resolve(path, data, context, key))

        return name, render_call
    path = compile_path(value)
    if path.context:
        return name, lambda data, context: _get(path, context(), key)
    if not path.segments:
        return name, lambda data, context: data
    return name, lambda data, context: _get(path, data, key)


def _resolve(path: Path, data: Any, context: ContextGetter, key: str) -> Any:
    return _get(path, context() if path.context else data, key)


def _get(path: Path, data: Any, key: str) -> Any:
    try:
        return path.get(data)
    except StatesError:
        raise StatesError(
            RUNTIME, f"The JSONPath '{path.text}' specified for the field '{key}' could not be found in the input"
        ) from None
