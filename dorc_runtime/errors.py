"""The one exception hierarchy of dorc.

Every expected failure is a :class:`DorcError`: it says what failed and what to do about it.
Errors are raised where they are detected and rendered once, at the CLI edge
(:func:`dorc_runtime.cli.render_errors`), as a single line and a non-zero exit code.
"""

from __future__ import annotations


class DorcError(Exception):
    """An expected failure with a message and, ideally, the fix."""

    exit_code = 1

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message


class InvalidNameError(DorcError, ValueError):
    """A layer, pipeline, function, environment or project name breaks a naming rule."""


class ProjectError(DorcError):
    """The config repository is not where or what dorc expects."""


class AlreadyExistsError(DorcError):
    """Scaffolding would overwrite something the user has: nothing was changed."""


class DefinitionError(DorcError):
    """One or more problems in pipeline definitions (graph, folders, handlers, names)."""

    def __init__(self, problems: list[str], fix: str | None = None) -> None:
        self.problems = list(problems)
        head = self.problems[0] if len(self.problems) == 1 else f"{len(self.problems)} problems"
        super().__init__(head, fix)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return super().__str__()
        lines = ["Found problems:", *(f"  - {p}" for p in self.problems)]
        return "\n".join([*lines, f"Fix: {self.fix}"] if self.fix else lines)


class EventError(DorcError):
    """An event given on the command line is not valid JSON or cannot be read."""


class ExecutionFailed(DorcError):
    """A pipeline run ended in FAILED or TIMED_OUT, or a called handler failed. ``error`` and
    ``cause`` are the Step Functions / Lambda error name and cause, when there are some."""

    def __init__(self, message: str, fix: str | None = None, *, error: str | None = None,
                 cause: str | None = None) -> None:
        super().__init__(message, fix)
        self.error = error
        self.cause = cause


class UnsupportedConstructError(DorcError):
    """A state-machine construct the local runner does not implement: refused, never skipped."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message, fix or "use a construct the local runner supports, or test this part after 'invoke deploy'")


class MissingToolError(DorcError):
    """A tool dorc needs (Pulumi CLI, Docker engine, AWS credentials, Graphviz) is missing."""


class DeployError(DorcError):
    """A deployment step refused to run or failed."""


class SubmissionRejected(DorcError):
    """A submitted archive failed validation; it was quarantined with a report."""


class UnsafeEditError(DorcError):
    """A source file cannot be edited safely by a syntax-aware edit: nothing was changed."""


class RealAWSRefused(DorcError):
    """A local run would send requests to real AWS: refused before any handler ran."""


class AwsError(DorcError):
    """An AWS call for a deployed pipeline failed, or found nothing to act on (not deployed yet)."""


def describe_exception(exc: BaseException) -> str:
    """``TypeName: message`` for an exception raised by the user's code, even one whose ``str()``
    itself raises (the message then says so instead of a second traceback hiding the first)."""
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - any failure of a user's __str__ is the user's bug, reported
        message = "(its message could not be shown: its __str__ raised)"
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` Did you mean 'census'?`` for a mistyped name (difflib's closest match), else ``""``."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


class UpdateError(DorcError):
    """``invoke update`` refused to run or could not render a template version: nothing was changed."""
