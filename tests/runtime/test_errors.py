"""Helpers of the one exception hierarchy: describing a user's exception, suggesting a name."""

from __future__ import annotations

from dorc_runtime.errors import describe_exception, did_you_mean


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no words")


def test_describe_exception():
    assert describe_exception(ValueError("bad row 7")) == "ValueError: bad row 7"
    assert describe_exception(KeyError()) == "KeyError"
    assert describe_exception(SystemExit(5)) == "it called sys.exit(5)"
    assert describe_exception(_Unprintable()) == "_Unprintable: (its message could not be shown: its __str__ raised)"


def test_did_you_mean():
    assert did_you_mean("cencus", ["census", "weather"]) == " Did you mean 'census'?"
    assert did_you_mean("zzz", ["census", "weather"]) == ""
    assert did_you_mean("raw", []) == ""
