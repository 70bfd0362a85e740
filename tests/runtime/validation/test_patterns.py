"""User regular expressions are bounded before they are sampled or matched against submissions."""

from __future__ import annotations

import pytest

from dorc_runtime.validation.patterns import MAX_PATTERN, PatternError, check_pattern


@pytest.mark.parametrize(
    "pattern", ["census_.*_v1", r"^data\.csv$", "(a|b)*c", "[0-9]{4}", "(aa)*", "((ab)+)?x", "a{1000}", "(?=x)x"]
)
def test_ordinary_patterns_pass(pattern: str):
    assert check_pattern(pattern, "source_id pattern") == pattern


@pytest.mark.parametrize(
    "pattern,says",
    [
        ("(a*)*b", "nests a repeat inside an unbounded repeat"),
        ("(?:a+)+", "nests a repeat inside an unbounded repeat"),
        ("(a{1,3})*", "nests a repeat inside an unbounded repeat"),
        ("a{100000000}", "repeats more than 1000 times"),
        ("((a{999}){999})", "repeats more than 1000 times"),  # counts multiply when nested
        ("x{4294967295}", "is too large to compile"),
        ("(unclosed", "is not a valid regular expression"),
        ("a" * (MAX_PATTERN + 1), f"at most {MAX_PATTERN} are allowed"),
    ],
)
def test_costly_or_broken_patterns_are_refused(pattern: str, says: str):
    with pytest.raises(PatternError, match=f"^source_id pattern.*{says.replace('(', '.').replace(')', '.')}"):
        check_pattern(pattern, "source_id pattern")


def test_a_refused_pattern_is_a_value_error_for_pydantic_validators():
    assert issubclass(PatternError, ValueError)
