"""The CLI edge renders expected errors once, as one line and an exit code."""

import pytest
from invoke.exceptions import Exit

from dorc_runtime.cli import cli_errors
from dorc_runtime.errors import DefinitionError, InvalidNameError


def test_expected_error_becomes_exit_with_message_and_fix():
    @cli_errors
    def body():
        raise InvalidNameError("The layer name 'Raw' has upper-case letters.", "use 'raw'")

    with pytest.raises(Exit) as caught:
        body()
    assert caught.value.code == 1
    assert caught.value.message == "Error: The layer name 'Raw' has upper-case letters. Fix: use 'raw'"


def test_several_problems_are_listed_one_per_line():
    @cli_errors
    def body():
        raise DefinitionError(["raw/census: a is bad", "raw/census: b is bad"], "fix each")

    with pytest.raises(Exit) as caught:
        body()
    assert caught.value.message.splitlines() == [
        "Error: Found problems:",
        "  - raw/census: a is bad",
        "  - raw/census: b is bad",
        "Fix: fix each",
    ]


def test_unexpected_errors_are_not_hidden():
    @cli_errors
    def body():
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        body()


def test_return_value_passes_through():
    assert cli_errors(lambda: 42)() == 42
