"""Jinja filters the template's files use, loaded by cookiecutter through ``_extensions``.

``toml_string``: a TOML basic string. Jinja's ``tojson`` is not one: it escapes an emoji as a
JSON surrogate pair (``"\\ud83d\\ude00"``), which TOML refuses (its ``\\u`` escapes must be
Unicode scalar values, https://toml.io/en/v1.0.0#string). Hand-written because no maintained
library's Jinja filter does this; the escapes are the ones TOML defines.
"""

from __future__ import annotations

from jinja2.ext import Extension

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(value: object) -> str:
    out = []
    for char in str(value):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:  # other control characters must be escaped
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class TomlStrings(Extension):
    def __init__(self, environment):  # noqa: ANN001 - a jinja2.Environment
        super().__init__(environment)
        environment.filters["toml_string"] = toml_string
