"""Rules for user-chosen names: one line naming the rule and the fix."""

from __future__ import annotations

import pytest

from dorc_runtime.errors import InvalidNameError
from dorc_runtime.names import check_account, check_environment, check_name, check_region, check_slug


@pytest.mark.parametrize("name", ["raw", "census_2021", "raw-to-processed", "a" * 32, "f1"])
def test_good_names(name: str) -> None:
    assert check_name("layer", name) == name


@pytest.mark.parametrize(
    "name,rule",
    [
        ("", "empty"),
        ("a/b", "path separator"),
        ("..", "path separator or '..'"),
        ("a b", "white space"),
        ("Raw", "upper-case"),
        ("class", "Python keyword"),
        ("match", "Python keyword"),
        ("a" * 33, "at most 32"),
        ("a__b", "not a valid dorc name"),
        ("-a", "not a valid dorc name"),
        ("a.b", "not a valid dorc name"),
    ],
)
def test_bad_names(name: str, rule: str) -> None:
    with pytest.raises(InvalidNameError) as caught:
        check_name("pipeline", name)
    assert rule in str(caught.value) and "Fix:" in str(caught.value) and "\n" not in str(caught.value)


def test_environment_and_slug() -> None:
    assert check_environment("prod") == "prod"
    for bad in ("Prod", "pre-prod", "a" * 11, "1prod"):
        with pytest.raises(InvalidNameError):
            check_environment(bad)
    assert check_slug("pipeline-config") == "pipeline-config"
    for bad in ("Pipeline", "a_b", "a" * 31, "a--b", "-a"):
        with pytest.raises(InvalidNameError):
            check_slug(bad)


def test_region_and_account() -> None:
    assert check_region("eu-west-2") == "eu-west-2"
    assert check_region("us-gov-west-1") == "us-gov-west-1"
    for bad in ("London", "eu-west", "EU-WEST-2"):
        with pytest.raises(InvalidNameError, match="region code"):
            check_region(bad)
    assert check_account("") is None
    assert check_account("123456789012") == "123456789012"
    for bad in ("12345", "12345678901a", "1234567890123"):
        with pytest.raises(InvalidNameError, match="12 digits"):
            check_account(bad)
