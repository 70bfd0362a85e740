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
        return "\n".join(["Found problems:", *(f"  - {p}" for p in self.problems)])


class EventError(DorcError):
    """An event given on the command line is not valid JSON or cannot be read."""


class ExecutionFailed(DorcError):
    """A pipeline run ended in FAILED or TIMED_OUT."""


class UnsupportedConstructError(DorcError):
    """A state-machine construct the local runner does not implement: refused, never skipped."""


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


class UpdateError(DorcError):
    """``invoke update`` refused to run or could not render a template version: nothing was changed."""
