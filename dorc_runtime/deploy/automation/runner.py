"""The seam between dorc's deploy orchestration and Pulumi: a small protocol and its data.

:class:`~.pulumi_runner.PulumiStackRunner` implements it with the Automation API; tests use a
recording fake. Progress flows back through :class:`Progress` so the console is a seam too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from .stacks import StackRef


class ResourceStatus(str, Enum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class ResourceEvent:
    """One step of one resource: what Pulumi does to it (create, update, delete, same...)."""

    op: str
    type: str
    name: str
    status: ResourceStatus
    duration: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class StackResult:
    """What happened to a stack: Pulumi's operation counts, e.g. {"create": 3, "same": 10}."""

    stack: StackRef
    action: str
    changes: Mapping[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {op}" for op, n in sorted(self.changes.items()) if n)
        return counts or "no changes"


class Progress(Protocol):
    def stack_started(self, stack: StackRef, action: str) -> None: ...

    def resource(self, stack: StackRef, event: ResourceEvent) -> None: ...

    def diagnostic(self, stack: StackRef, severity: str, message: str) -> None: ...

    def output(self, stack: StackRef, line: str) -> None:
        """Pulumi's own console text; kept for ``--verbose``, the events say the same more briefly."""
        ...

    def stack_finished(self, result: StackResult) -> None: ...


class StackRunner(Protocol):
    """Runs one Pulumi operation on one stack; raises DeployError when it fails."""

    def preview(self, stack: StackRef, progress: Progress) -> StackResult: ...

    def up(self, stack: StackRef, progress: Progress) -> StackResult: ...

    def destroy(self, stack: StackRef, progress: Progress) -> StackResult: ...

    def outputs(self, stack: StackRef) -> dict[str, Any]: ...

    def resource_count(self, stack: StackRef) -> int:
        """Resources the backend holds for ``stack``; 0 when the stack does not exist."""
        ...

    def backend_stacks(self) -> list[tuple[str, str]]:
        """Every ``(Pulumi project, stack)`` in the backend, including projects with no folder."""
        ...

    def cancel(self, stack: StackRef) -> None:
        """Stop an update of ``stack`` running in another thread and release its lock."""
        ...

    def read_fingerprint(self, stack: StackRef) -> str | None:
        """The fingerprint recorded by the last successful deploy (see :mod:`.fingerprints`)."""
        ...

    def record_fingerprint(self, stack: StackRef, fingerprint: str) -> None: ...
