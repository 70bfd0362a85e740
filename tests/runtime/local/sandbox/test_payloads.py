"""A sandbox's JSON is exactly the standard library's: the result text is what
``json.dumps(result, ensure_ascii=False)`` gives, byte for byte, and it fails where json.dumps fails
with the same exception and message (the sandbox reports those as ``Runtime.MarshalError``).

Lambda's Python runtime serializes a handler's result with ``json.dumps`` and reports a result it
cannot serialize as ``Runtime.MarshalError``
(https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html, "Returning a value").
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict

import pytest

from dorc_runtime.local.sandbox.worker.payloads import event_decoder, result_encoder


class Text(str):
    pass


class Number(int):
    pass


TRICKY = [
    None, True, False, 0, -1, 10**40, -(10**40), 1.5, -0.0, 1e300, 5e-324, 0.1 + 0.2,
    math.nan, math.inf, -math.inf,
    "", "plain", "unicode é ü ñ 中文 🎉", "quotes \" and \\ and \n\t\r\b\f\u0000\u001f", "\u2028\u2029",
    Text("a str subclass"), Number(7),
    [], {}, (), (1, "two", 3.0), [1, [2, [3, [4, {"five": (6,)}]]]],
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
    {"é": "non-ASCII key", "a": {"b": {"c": [None, True]}}},
    OrderedDict([("z", 1), ("a", 2)]),
    {"nan": math.nan, "inf": [math.inf, -math.inf]},
    [{"same": "object"}] * 3,
]


@pytest.mark.parametrize("value", TRICKY, ids=[repr(v)[:40] for v in TRICKY])
def test_the_result_text_is_json_dumps_with_ensure_ascii_false(value):
    assert result_encoder()(value) == json.dumps(value, ensure_ascii=False)


def test_a_handful_of_results_pinned_literally():
    encode = result_encoder()
    assert encode({"b": (1, 2.0), 3: "é", "n": None}) == '{"b": [1, 2.0], "3": "é", "n": null}'
    assert encode([math.nan, math.inf, -math.inf]) == "[NaN, Infinity, -Infinity]"
    assert encode("🎉\n") == '"🎉\\n"'


def unserializable() -> list[tuple[object, type[Exception]]]:
    circular_list: list[object] = [1]
    circular_list.append([circular_list])
    circular_dict: dict[str, object] = {}
    circular_dict["self"] = {"again": circular_dict}
    deep: dict[str, object] = {}
    for _ in range(100_000):
        deep = {"d": deep}
    return [
        ({1, 2}, TypeError),
        ([1, {"nested": object()}], TypeError),
        ({(1, 2): "tuple key"}, TypeError),
        (b"bytes", TypeError),
        (circular_list, ValueError),
        (circular_dict, ValueError),
        (deep, RecursionError),
    ]


def test_it_fails_where_json_dumps_fails_with_the_same_message():
    encode = result_encoder()
    for value, error in unserializable():
        with pytest.raises(error) as ours:
            encode(value)
        with pytest.raises(error) as theirs:
            json.dumps(value, ensure_ascii=False)
        assert str(ours.value) == str(theirs.value)


def test_a_failure_leaves_no_false_circular_reference_behind():
    """json's C encoder keeps the containers it was inside when it fails (in its circular-reference
    check); reused, it would take the same container returned again (module state, as a warm
    sandbox keeps) for a circular reference."""
    encode = result_encoder()
    state = {"items": [[1, {2}]]}
    with pytest.raises(TypeError):
        encode(state)
    state["items"][0][1] = 2
    assert encode(state) == '{"items": [[1, 2]]}'


def test_the_event_decoder_is_json_loads():
    decode = event_decoder()
    for value in TRICKY:
        text = json.dumps(value)
        decoded = decode(text)
        assert json.dumps(decoded) == json.dumps(json.loads(text))
    assert decode(' {"a": 1} ') == {"a": 1}  # whitespace around it, as json.loads accepts
    for bad in ("", "{", '{"a": 1} trailing', "nope"):
        with pytest.raises(json.JSONDecodeError):
            decode(bad)
