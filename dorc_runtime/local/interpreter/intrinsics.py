"""Intrinsic functions (``States.Format('{}', $.a)``...): parsed once into a small call tree.

Implemented: every intrinsic of the JSONPath query language (Format, StringToJson, JsonToString,
Array, ArrayPartition, ArrayGetItem, ArrayLength, ArrayContains, ArrayRange, ArrayUnique, JsonMerge
(shallow, as AWS), MathAdd, MathRandom, StringSplit, UUID, Base64Encode, Base64Decode, Hash). Any
other ``States.*`` name is refused when the state machine is compiled, before anything runs. A bad
argument fails the state with States.Runtime, as AWS reports it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
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


class IntrinsicError(ValueError):
    """A bad argument: the state fails with States.Runtime, which is how AWS reports intrinsic
    failures ("States.IntrinsicFailure: reserved for future use",
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)."""


def _format_value(value: Any) -> str:
    # Step Functions renders a Format argument the way its Java runtime prints it: strings as
    # they are, objects as {k=v, ...}, arrays as [a, b], other values as JSON (moto's reference
    # interpreter, recorded against AWS, does the same)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _format(template: Any, *args: Any) -> str:
    if not isinstance(template, str):
        raise IntrinsicError(f"the template must be a string, not {_json_text(template)}")
    parts = re.split(r"(?<!\\)\{\}", template)
    if len(parts) - 1 != len(args):
        raise IntrinsicError(f"{len(parts) - 1} placeholders, {len(args)} arguments")
    out = [parts[0]]
    for arg, part in zip(args, parts[1:], strict=True):
        out.append(_format_value(arg))
        out.append(part)
    return "".join(out).replace("\\{", "{").replace("\\}", "}")


def _string_to_json(text: Any) -> Any:
    if not isinstance(text, str):
        raise IntrinsicError(f"expected a string, got {_json_text(text)}")
    # an empty (or blank) string is null, as in moto's reference interpreter
    return json.loads(text) if text.strip() else None


def _integer(value: Any) -> int:
    """AWS: "If you specify a non-integer value ... Step Functions will round it off to the nearest
    integer" - half away from zero for positive values, as Java's Math.round does."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IntrinsicError(f"expected a number, got {_json_text(value)}")
    if isinstance(value, int):
        return value
    return int(math.floor(value + 0.5))


def _math_add(a: Any, b: Any) -> int:
    return _integer(a) + _integer(b)


def _array_range(start: Any, end: Any, step: Any) -> list[int]:
    first, last, increment = _integer(start), _integer(end), _integer(step)
    if increment == 0:
        raise IntrinsicError("the step must not be 0")
    items = list(range(first, last + (1 if increment > 0 else -1), increment))
    if len(items) > 1000:
        raise IntrinsicError(f"arrays cannot contain more than 1000 items, size: {len(items)}")
    return items


def _array(items: Any) -> list[Any]:
    if not isinstance(items, list):
        raise IntrinsicError(f"expected an array, got {_json_text(items)}")
    return items


def _array_get_item(items: Any, index: Any) -> Any:
    if isinstance(index, bool) or not isinstance(index, int):
        raise IntrinsicError(f"expected an integer index, got {_json_text(index)}")
    return _array(items)[index]


def _array_partition(items: Any, size: Any) -> list[list[Any]]:
    chunk = _integer(size)
    if chunk <= 0:
        raise IntrinsicError(f"the chunk size must be a positive integer, got {_json_text(size)}")
    array = _array(items)
    return [array[i:i + chunk] for i in range(0, len(array), chunk)]


def _unique(items: Any) -> list[Any]:
    seen: list[Any] = []
    for item in _array(items):
        if item not in seen:
            seen.append(item)
    return seen


def _json_merge(left: Any, right: Any, deep: Any) -> dict[str, Any]:
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise IntrinsicError("both arguments must be JSON objects")
    if deep is not False:
        raise IntrinsicError("Step Functions only supports the shallow merging mode: the third argument must be false")
    return {**left, **right}


def _string_split(text: Any, separators: Any) -> list[str]:
    if not isinstance(text, str) or not isinstance(separators, str):
        raise IntrinsicError("both arguments must be strings")
    return [p for p in re.split("|".join(re.escape(c) for c in separators), text) if p] if separators else [text]


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(data: Any, algorithm: Any) -> str:
    if algorithm not in _HASHES:
        raise IntrinsicError(f"unknown algorithm {algorithm!r}: use one of {', '.join(_HASHES)}")
    if not isinstance(data, str):
        raise IntrinsicError(f"expected a string, got {_json_text(data)}")
    return hashlib.new(_HASHES[algorithm], data.encode()).hexdigest()


def _math_random(start: Any, end: Any, seed: Any = None) -> int:
    low, high = _integer(start), _integer(end)
    generator = random.Random(_integer(seed)) if seed is not None else random
    return generator.randint(min(low, high), max(low, high))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_text,
    "States.Array": lambda *items: list(items),
    "States.ArrayPartition": _array_partition,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": lambda items: len(_array(items)),
    "States.ArrayContains": lambda items, value: value in _array(items),
    "States.ArrayRange": _array_range,
    "States.ArrayUnique": _unique,
    "States.JsonMerge": _json_merge,
    "States.MathAdd": _math_add,
    "States.MathRandom": _math_random,
    "States.StringSplit": _string_split,
    "States.UUID": lambda: str(uuid.uuid4()),
    "States.Base64Encode": lambda text: base64.b64encode(text.encode()).decode(),
    "States.Base64Decode": lambda text: base64.b64decode(text, validate=True).decode(),
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
        except Exception as exc:  # a bad argument fails the state with States.Runtime, as in AWS
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
