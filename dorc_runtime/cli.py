"""The CLI edge: the one place where dorc errors become a message and an exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from invoke.exceptions import Exit

from .errors import DorcError

F = TypeVar("F", bound=Callable[..., Any])

# What a shell reports for a program ended by SIGPIPE (128 + 13), e.g. 'invoke run census | head'.
CLOSED_PIPE_EXIT = 141


def render_error(error: DorcError) -> str:
    """One line (or a short list for several problems) naming the rule and the fix."""
    return f"Error: {error}"


def _quiet_closed_stdout() -> None:
    """The reader of our output went away (``| head``): point stdout at /dev/null so that the
    interpreter's final flush does not print a second BrokenPipeError (Python's documented recipe,
    https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured): nothing to flush
        pass


def cli_errors(func: F) -> F:
    """Wrap an Invoke task body: expected failures print one clear message and exit non-zero,
    with no traceback. Unexpected exceptions still raise (they are bugs, and the trace helps)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DorcError as error:
            raise Exit(render_error(error), code=error.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("Interrupted.", code=130) from None
        except BrokenPipeError:
            _quiet_closed_stdout()
            raise Exit(code=CLOSED_PIPE_EXIT) from None

    return wrapper  # type: ignore[return-value]
