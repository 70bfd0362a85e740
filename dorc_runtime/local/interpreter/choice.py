"""Choice rules compiled to predicates: ``(input, context) -> bool``."""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable
from typing import Any

from ...errors import UnsupportedConstructError
from .errors import StatesError
from .paths import compile_path
from .templates import ContextGetter
from .timestamps import parse_timestamp

Predicate = Callable[[Any, ContextGetter], bool]

_COMPARE = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_KINDS: dict[str, Callable[[Any], Any]] = {
    "String": lambda v: v if isinstance(v, str) else None,
    "Numeric": lambda v: v if _is_number(v) else None,
    "Boolean": lambda v: v if isinstance(v, bool) else None,
    "Timestamp": parse_timestamp,
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsString": lambda v: isinstance(v, str),
    "IsNumeric": _is_number,
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

_OPERATOR = re.compile(r"^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals)(Path)?$")


def compile_rule(rule: dict[str, Any], where: str) -> Predicate:
    if "And" in rule:
        parts = [compile_rule(r, where) for r in rule["And"]]
        return lambda data, ctx: all(p(data, ctx) for p in parts)
    if "Or" in rule:
        parts = [compile_rule(r, where) for r in rule["Or"]]
        return lambda data, ctx: any(p(data, ctx) for p in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"], where)
        return lambda data, ctx: not inner(data, ctx)
    if "Variable" not in rule:
        raise UnsupportedConstructError(f"{where}: Choice rule without Variable: {sorted(rule)}")
    variable = compile_path(rule["Variable"])
    keys = [k for k in rule if k not in ("Variable", "Next", "Comment")]
    if len(keys) != 1:
        raise UnsupportedConstructError(f"{where}: Choice rule needs exactly one operator, got {keys}")
    op = keys[0]
    expected = rule[op]

    def value_of(data: Any, ctx: ContextGetter) -> tuple[bool, Any]:
        try:
            return True, variable.get(ctx() if variable.context else data)
        except StatesError:
            return False, None

    if op == "IsPresent":
        return lambda data, ctx: value_of(data, ctx)[0] is bool(expected)
    if op in _TYPE_TESTS:
        test = _TYPE_TESTS[op]

        def type_test(data: Any, ctx: ContextGetter) -> bool:
            present, value = value_of(data, ctx)
            return present and test(value) is bool(expected)

        return type_test
    if op == "StringMatches":
        def string_matches(data: Any, ctx: ContextGetter) -> bool:
            present, value = value_of(data, ctx)
            return present and isinstance(value, str) and fnmatch.fnmatchcase(value, expected.replace("\\*", "[*]"))

        return string_matches
    found = _OPERATOR.match(op)
    if not found:
        raise UnsupportedConstructError(f"{where}: Choice operator {op!r} is not supported by the local runner")
    kind, comparison, by_path = found.groups()
    cast, compare = _KINDS[kind], _COMPARE[comparison]
    other = compile_path(expected) if by_path else None
    static = None if by_path else cast(expected)

    def compare_rule(data: Any, ctx: ContextGetter) -> bool:
        present, value = value_of(data, ctx)
        left = cast(value) if present else None
        if other is not None:
            try:
                right = cast(other.get(ctx() if other.context else data))
            except StatesError:
                return False
        else:
            right = static
        if left is None or right is None:
            return False
        if kind == "Boolean" and comparison != "Equals":
            return False
        return bool(compare(left, right))

    return compare_rule
