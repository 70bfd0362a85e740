"""Intrinsic functions (``States.Format('{}', $.a)``...): parsed once into a small call tree.

Implemented: Format, StringToJson, JsonToString, Array, ArrayGetItem, ArrayLength, ArrayContains,
ArrayRange, ArrayUnique, JsonMerge (shallow), MathAdd, StringSplit, UUID, Base64Encode,
Base64Decode, Hash. Any other ``States.*`` function is refused by name when the state machine
is compiled, before anything runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from ...errors import UnsupportedConstructError
from .errors import RUNTIME, StatesError
from .paths import Path, compile_path

Resolve = Callable[[Path], Any]


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _format(template: str, *args: Any) -> str:
    parts = re.split(r"(?<!\\)\{\}", template)
    if len(parts) - 1 != len(args):
        raise StatesError("States.IntrinsicFailure", f"States.Format: {len(parts) - 1} placeholders, {len(args)} arguments")
    out = [parts[0]]
    for arg, part in zip(args, parts[1:], strict=True):
        out.append(arg if isinstance(arg, str) else _json_text(arg))
        out.append(part)
    return "".join(out).replace("\\{", "{").replace("\\}", "}")


def _array_range(start: int, end: int, step: int) -> list[int]:
    return list(range(int(start), int(end) + (1 if step > 0 else -1), int(step)))


def _unique(items: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _hash(data: str, algorithm: str) -> str:
    name = algorithm.replace("-", "").lower()
    if name not in {"md5", "sha1", "sha256", "sha384", "sha512"}:
        raise StatesError("States.IntrinsicFailure", f"States.Hash: unknown algorithm {algorithm!r}")
    return hashlib.new(name, data.encode()).hexdigest()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "States.Format": _format,
    "States.StringToJson": lambda text: json.loads(text),
    "States.JsonToString": _json_text,
    "States.Array": lambda *items: list(items),
    "States.ArrayGetItem": lambda items, index: items[int(index)],
    "States.ArrayLength": lambda items: len(items),
    "States.ArrayContains": lambda items, value: value in items,
    "States.ArrayRange": _array_range,
    "States.ArrayUnique": _unique,
    "States.JsonMerge": lambda left, right, deep=False: {**left, **right},
    "States.MathAdd": lambda a, b: a + b,
    "States.StringSplit": lambda text, sep: [p for p in re.split("[" + re.escape(sep) + "]", text) if p],
    "States.UUID": lambda: str(uuid.uuid4()),
    "States.Base64Encode": lambda text: base64.b64encode(text.encode()).decode(),
    "States.Base64Decode": lambda text: base64.b64decode(text).decode(),
    "States.Hash": _hash,
}

_TOKENS = re.compile(
    r"\s*(?:(?P<call>States\.[A-Za-z0-9]+)\(|(?P<close>\))|(?P<comma>,)|'(?P<string>(?:[^'\\]|\\.)*)'"
    r"|(?P<path>\$\$?[^,)\s]*)|(?P<number>-?\d+(?:\.\d+)?)|(?P<word>true|false|null))"
)


class Call:
    __slots__ = ("name", "function", "args")

    def __init__(self, name: str, args: list[Any]) -> None:
        if name not in FUNCTIONS:
            raise UnsupportedConstructError(
                f"intrinsic function {name} is not supported by the local runner",
                fix=f"use one of {', '.join(sorted(FUNCTIONS))}",
            )
        self.name, self.function, self.args = name, FUNCTIONS[name], args

    def evaluate(self, resolve: Resolve) -> Any:
        values = [
            a.evaluate(resolve) if isinstance(a, Call) else resolve(a) if isinstance(a, Path) else a
            for a in self.args
        ]
        try:
            return self.function(*values)
        except StatesError:
            raise
        except Exception as exc:  # a bad argument fails the state, as in AWS
            raise StatesError(RUNTIME, f"{self.name} failed: {exc}") from None


def parse(text: str) -> Call:
    tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in _TOKENS.finditer(text)]
    if "".join(m.group(0) for m in _TOKENS.finditer(text)).strip() != text.strip():
        raise UnsupportedConstructError(f"cannot parse intrinsic function {text!r}")
    call, pos = _parse_call(tokens, 0, text)
    if pos != len(tokens):
        raise UnsupportedConstructError(f"cannot parse intrinsic function {text!r}: text after the call")
    return call


def _parse_call(tokens: list[tuple[str | None, str]], pos: int, text: str) -> tuple[Call, int]:
    kind, name = tokens[pos]
    if kind != "call":
        raise UnsupportedConstructError(f"cannot parse intrinsic function {text!r}")
    pos += 1
    args: list[Any] = []
    while pos < len(tokens) and tokens[pos][0] != "close":
        kind, value = tokens[pos]
        if kind == "call":
            arg, pos = _parse_call(tokens, pos, text)
            args.append(arg)
            continue
        if kind == "string":
            args.append(re.sub(r"\\(['\\])", r"\1", value))
        elif kind == "path":
            args.append(compile_path(value))
        elif kind == "number":
            args.append(float(value) if "." in value else int(value))
        elif kind == "word":
            args.append({"true": True, "false": False, "null": None}[value])
        elif kind != "comma":
            raise UnsupportedConstructError(f"cannot parse intrinsic function {text!r}")
        pos += 1
    if pos >= len(tokens):
        raise UnsupportedConstructError(f"cannot parse intrinsic function {text!r}: missing ')'")
    return Call(name, args), pos + 1
