"""Why a submission was refused: one typed error carrying the rule that failed.

The dispatcher catches :class:`Rejection`, quarantines the archive under ``failed/`` and writes the
rule, message and details into the JSON report beside it. Anything else raised while dispatching is
a bug or an AWS outage: it propagates, the event is retried, and the archive stays in ``incoming/``.
"""

from __future__ import annotations

from typing import Any

from ..errors import SubmissionRejected


class Rejection(SubmissionRejected):
    """An archive broke a rule (``rule`` is a stable dotted id such as ``archive.symlink``)."""

    def __init__(self, rule: str, message: str, fix: str | None = None, **details: Any) -> None:
        super().__init__(message, fix)
        self.rule = rule
        self.details = details

    def report(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "fix": self.fix, "details": self.details}
