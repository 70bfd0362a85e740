"""The CLI edge: the one place where dorc errors become a message and an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from invoke.exceptions import Exit

from .errors import DorcError

F = TypeVar("F", bound=Callable[..., Any])


def render_error(error: DorcError) -> str:
    """One line (or a short list for several problems) naming the rule and the fix."""
    return f"Error: {error}"


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

    return wrapper  # type: ignore[return-value]
