"""Progress on the console with rich: one line per resource step, one summary per stack."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape

from .runner import ResourceEvent, ResourceStatus, StackResult
from .stacks import StackRef

OP_STYLE = {
    "create": "green",
    "update": "yellow",
    "replace": "magenta",
    "create-replacement": "magenta",
    "delete": "red",
    "delete-replaced": "red",
}


@dataclass
class RichProgress:
    console: Console = field(default_factory=Console)
    verbose: bool = False

    def stack_started(self, stack: StackRef, action: str) -> None:
        self.console.rule(f"[bold]{action} {escape(stack.label)}")

    def resource(self, stack: StackRef, event: ResourceEvent) -> None:
        style = OP_STYLE.get(event.op, "cyan")
        took = f" ({event.duration:.0f}s)" if event.duration else ""
        if event.status is ResourceStatus.STARTED:
            mark, status = "…", f"{event.op}"
        elif event.status is ResourceStatus.DONE:
            mark, status = "✓", f"{event.op} done{took}"
        else:
            mark, status, style = "✗", f"{event.op} failed{took}", "bold red"
        self.console.print(
            f"  [{style}]{mark} {escape(status):<24}[/] {escape(event.type)} [bold]{escape(event.name)}[/]"
        )

    def diagnostic(self, stack: StackRef, severity: str, message: str) -> None:
        style = "bold red" if severity == "error" else "yellow"
        self.console.print(f"  [{style}]{severity}:[/] {escape(message)}")

    def output(self, stack: StackRef, line: str) -> None:
        if self.verbose:
            self.console.print(f"  [dim]{escape(line)}[/]", highlight=False)

    def stack_finished(self, result: StackResult) -> None:
        self.console.print(
            f"[bold]{escape(result.stack.label)}[/]: {result.action} — {escape(result.summary())}"
        )
