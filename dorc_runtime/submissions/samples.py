"""Sample strings a regular expression matches: the basis of the route overlap checks.

Whether two regular expressions overlap, or one contains the other, is decidable but costly to
compute exactly, and Python's ``re`` has constructs (look-arounds, back-references) outside regular
languages. dorc approximates instead: it walks the parsed pattern and builds a few short strings it
should match (each repeat 0, 1 and 2 times beyond its minimum, each alternative, the first, middle
and last character of each class), then keeps only those ``re.fullmatch`` confirms. Every sample is
therefore a real witness; a pattern with no sample can never match (or uses an unsupported
construct, reported as ``None``).
"""

from __future__ import annotations

import itertools
import re
import string
from re import _constants as C  # noqa: N812 - the constants of re's own parser
from re import _parser as parser
from typing import Any

MAX_SAMPLES = 24
PER_ITEM = 4
POOL = string.ascii_letters + string.digits + "_-. "


class Unsupported(Exception):
    """The pattern uses a construct the generator does not model."""


def _category(ch: str, category: Any) -> bool:
    tests = {
        C.CATEGORY_DIGIT: ch.isdigit(),
        C.CATEGORY_NOT_DIGIT: not ch.isdigit(),
        C.CATEGORY_SPACE: ch.isspace(),
        C.CATEGORY_NOT_SPACE: not ch.isspace(),
        C.CATEGORY_WORD: ch.isalnum() or ch == "_",
        C.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
    }
    if category not in tests:
        raise Unsupported(str(category))
    return tests[category]


def _in_class(ch: str, items: list[tuple[Any, Any]]) -> bool:
    negate = bool(items) and items[0][0] is C.NEGATE
    found = False
    for op, arg in items:
        if op is C.NEGATE:
            continue
        if op is C.LITERAL:
            found |= ord(ch) == arg
        elif op is C.RANGE:
            found |= arg[0] <= ord(ch) <= arg[1]
        elif op is C.CATEGORY:
            found |= _category(ch, arg)
        else:
            raise Unsupported(str(op))
    return found != negate


def _spread(chars: list[str]) -> list[str]:
    if len(chars) <= 3:
        return chars
    return [chars[0], chars[len(chars) // 2], chars[-1]]


def _sequence(items: Any) -> list[str]:
    options = [_item(op, arg)[:PER_ITEM] for op, arg in items]
    out: list[str] = []
    for combo in itertools.islice(itertools.product(*options), MAX_SAMPLES):
        out.append("".join(combo))
    # product() varies the last item fastest; add "all alternatives i" rows so early items vary too
    for i in range(max((len(o) for o in options), default=0)):
        out.append("".join(o[i % len(o)] for o in options) if all(options) else "")
    return list(dict.fromkeys(s for s in out if all(options)))


def _item(op: Any, arg: Any) -> list[str]:
    if op is C.LITERAL:
        return [chr(arg)]
    if op is C.NOT_LITERAL:
        return _spread([c for c in POOL if ord(c) != arg])
    if op is C.ANY:
        return ["a", "0"]
    if op is C.IN:
        return _spread([c for c in POOL if _in_class(c, arg)])
    if op is C.BRANCH:
        return list(dict.fromkeys(s for alt in arg[1] for s in _sequence(alt)))
    if op is C.SUBPATTERN:
        return _sequence(arg[-1])
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        low, high, sub = arg
        inner = _sequence(sub)
        counts = [n for n in (low, low + 1, low + 2) if high is C.MAXREPEAT or n <= high]
        out = []
        for n in counts:
            if n == 0:
                out.append("")
            elif inner:
                out.extend("".join(inner[(j + k) % len(inner)] for j in range(n)) for k in range(len(inner)))
        return list(dict.fromkeys(out))
    if op is C.AT:
        return [""]  # anchors: fullmatch decides whether the sample survives
    raise Unsupported(str(op))


def samples(pattern: str) -> list[str] | None:
    """Strings ``pattern`` fully matches (possibly none); ``None`` when it cannot be analysed."""
    compiled = re.compile(pattern)
    try:
        candidates = _sequence(parser.parse(pattern))
    except Unsupported:
        return None
    return [s for s in candidates if compiled.fullmatch(s)][:MAX_SAMPLES]
