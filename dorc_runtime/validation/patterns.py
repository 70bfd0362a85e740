"""Bounds on the regular expressions users give dorc (route ``source_id`` and required-file
patterns): they are compiled, sampled and matched against untrusted submissions, so a pattern
must stay cheap in memory and time.

Refused: patterns longer than :data:`MAX_PATTERN`, repeat counts above :data:`MAX_REPEAT`
(``a{100000000}`` makes the sampler build huge strings) and a repeat nested inside another
unbounded repeat (``(a*)*b``: matching a long non-matching string backtracks exponentially,
the classic ReDoS shape, https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS).
Hand-written over ``re``'s own parser: the check needs its exact parse tree, and no maintained
library bounds Python patterns this way.
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812 - the constants of re's own parser
from re import _parser as parser
from typing import Any

MAX_PATTERN = 500
MAX_REPEAT = 1000
_REPEATS = tuple(op for op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)) if op)


class PatternError(ValueError):
    """A pattern that is not a regular expression, or too costly to use."""


def check_pattern(value: str, what: str) -> str:
    """Return ``value`` if it is a bounded regular expression; else raise :class:`PatternError`."""
    fix = "use a shorter, simpler pattern, e.g. 'census_.*_v1'"
    if len(value) > MAX_PATTERN:
        raise PatternError(f"{what} is {len(value)} characters; at most {MAX_PATTERN} are allowed; {fix}")
    try:
        tree = parser.parse(value)
        re.compile(value)
    except re.error as exc:
        raise PatternError(f"{what} {value!r} is not a valid regular expression: {exc}") from None
    except (OverflowError, RecursionError) as exc:
        raise PatternError(f"{what} {value!r} is too large to compile ({exc}); {fix}") from None
    _walk(tree, value, what, inside_unbounded=False, scale=1)
    return value


def _walk(items: Any, value: str, what: str, inside_unbounded: bool, scale: int) -> None:
    for op, arg in items:
        if op in _REPEATS:
            low, high, sub = arg
            unbounded = high is C.MAXREPEAT
            # nested counts multiply: ((a{999}){999}) repeats 'a' 998,001 times
            count = scale * max(low, 1 if unbounded else high)
            if count > MAX_REPEAT:
                raise PatternError(
                    f"{what} {value!r} repeats more than {MAX_REPEAT} times; use '+' or '*' instead of a large count"
                )
            # a fixed count inside '*' ('(aa)*') is harmless; a variable one ('(a+)*') is ambiguous
            if inside_unbounded and (unbounded or high != low):
                raise PatternError(
                    f"{what} {value!r} nests a repeat inside an unbounded repeat (as in '(a*)*'), which can take "
                    "exponential time to match; write it with one repeat, e.g. '(a|b)*' or 'a*'"
                )
            _walk(sub, value, what, inside_unbounded or unbounded, count)
        elif op is C.BRANCH:
            for alternative in arg[1]:
                _walk(alternative, value, what, inside_unbounded, scale)
        elif op is C.SUBPATTERN:
            _walk(arg[-1], value, what, inside_unbounded, scale)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            _walk(arg[1], value, what, inside_unbounded, scale)
