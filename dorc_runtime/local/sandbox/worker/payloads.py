"""A sandbox's JSON: the event decoded and the result encoded with the standard library's own C
scanner and encoder, built once per sandbox instead of once per call.

Hand-built because ``json.loads`` and ``json.dumps(result, ensure_ascii=False)`` wrap those C
parts in Python (type checks, two regular-expression matches, a new ``JSONEncoder`` and C encoder
for every call whose options differ from the defaults). A sandbox wakes cold for each invocation
(in a chain every state wakes a different process), and there every Python frame and object it
touches costs microseconds: together with raw descriptors and a context built once, this took a
sandbox's CPU per invocation in ``benchmarks/sandboxes.py``'s chain from ≈ 270 to ≈ 120 µs. The text is the one ``json.dumps(result, ensure_ascii=False)``
gives, byte for byte, errors included (``tests/runtime/local/sandbox/test_payloads.py``).

Stdlib only: the worker loads it by path inside a function's environment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any


def event_decoder() -> Callable[[str], Any]:
    """``json.loads`` for the run's event text (what ``json.dumps`` made)."""
    scan = json.JSONDecoder().scan_once  # the C scanner when the standard library has it

    def decode(text: str) -> Any:
        try:
            value, end = scan(text, 0)
        except StopIteration:  # not JSON at all: json.loads says where and why
            return json.loads(text)
        if end != len(text):  # trailing text (whitespace is allowed): json.loads decides
            return json.loads(text)
        return value

    return decode


def result_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False)``: the same text and the same exceptions
    (``TypeError`` for a value JSON cannot hold, ``ValueError`` for a circular reference or a
    float out of range, ``RecursionError`` for one nested too deep)."""
    options = json.JSONEncoder(ensure_ascii=False)  # the encoder json.dumps builds for these options
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # a Python without json's C part: its own encoder, unchanged
        return options.encode
    markers: dict[int, Any] = {}  # json's circular-reference check (check_circular=True)
    encode_chunks = make(markers, options.default, _encoder.encode_basestring, options.indent,
                         options.key_separator, options.item_separator, options.sort_keys, options.skipkeys,
                         options.allow_nan)

    def encode(value: Any) -> str:
        try:
            return "".join(encode_chunks(value, 0))
        except BaseException:
            # the C encoder leaves the containers it was inside in ``markers`` when it fails: the
            # same container returned again (a warm sandbox's module state) would then be a
            # "circular reference", and they would never be freed
            markers.clear()
            raise

    return encode
