"""Translate Pulumi engine events into dorc's :class:`~.runner.ResourceEvent` (no I/O).

Duck-typed on the Automation API's ``EngineEvent`` so this module needs no Pulumi import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .runner import Progress, ResourceEvent, ResourceStatus
from .stacks import StackRef

# The root stack resource starts first and ends last; per-resource lines say more.
STACK_TYPE = "pulumi:pulumi:Stack"
QUIET_OPS = frozenset({"same", "read"})
SHOWN_SEVERITIES = frozenset({"error", "warning"})


def resource_name(urn: str) -> str:
    """``urn:pulumi:prod::proj::aws:s3/bucketV2:BucketV2::holding`` -> ``holding``."""
    return urn.rsplit("::", 1)[-1]


def _op(metadata: Any) -> str:
    op = getattr(metadata, "op", "")
    return str(getattr(op, "value", op))


@dataclass
class EngineEventRelay:
    """An ``on_event`` callback: forwards each resource step and diagnostic to ``progress``."""

    stack: StackRef
    progress: Progress
    _started: dict[str, int] = field(default_factory=dict)

    def __call__(self, event: Any) -> None:
        for translated in self.translate(event):
            self.progress.resource(self.stack, translated)
        diagnostic = getattr(event, "diagnostic_event", None)
        if diagnostic is not None and diagnostic.severity in SHOWN_SEVERITIES:
            message = (diagnostic.message or "").strip()
            if message:
                self.progress.diagnostic(self.stack, diagnostic.severity, message)

    def translate(self, event: Any) -> list[ResourceEvent]:
        timestamp = getattr(event, "timestamp", 0) or 0
        for attr, status in (
            ("resource_pre_event", ResourceStatus.STARTED),
            ("res_outputs_event", ResourceStatus.DONE),
            ("res_op_failed_event", ResourceStatus.FAILED),
        ):
            step = getattr(event, attr, None)
            if step is None:
                continue
            metadata = step.metadata
            op = _op(metadata)
            if metadata.type == STACK_TYPE or op in QUIET_OPS:
                return []
            duration = None
            if status is ResourceStatus.STARTED:
                self._started[metadata.urn] = timestamp
            elif metadata.urn in self._started:
                duration = float(timestamp - self._started.pop(metadata.urn))
            return [ResourceEvent(op, metadata.type, resource_name(metadata.urn), status, duration)]
        return []
