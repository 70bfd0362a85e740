"""Console output for operate: state progress lines, the executions table, log lines."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .executions import ExecutionSummary
from .history import StateProgress, StepStatus
from .logs import LogLine

STATUS_STYLE = {
    "SUCCEEDED": "green",
    "RUNNING": "cyan",
    "FAILED": "red",
    "TIMED_OUT": "red",
    "ABORTED": "yellow",
}
STEP_MARK = {
    StepStatus.ENTERED: ("…", "cyan"),
    StepStatus.SUCCEEDED: ("✓", "green"),
    StepStatus.FAILED: ("✗", "bold red"),
    StepStatus.RETRYING: ("↻", "yellow"),
}


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.1f}s"
    minutes, secs = divmod(int(value), 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m{secs:02d}s"


def step_line(step: StateProgress) -> str:
    mark, style = STEP_MARK[step.status]
    text = f"[{style}]{mark} {escape(step.state)}[/] {step.status.value}"
    if step.duration is not None:
        text += f" in {seconds(step.duration)}"
    if step.attempt > 1:
        text += f" (attempt {step.attempt})"
    if step.error:
        text += f": [bold]{escape(step.error)}[/]"
        if step.cause:
            text += f" — {escape(step.cause)}"
    return text


def print_step(console: Console, step: StateProgress) -> None:
    console.print(f"  {step_line(step)}", highlight=False)


def print_final(console: Console, summary: ExecutionSummary) -> None:
    style = STATUS_STYLE.get(summary.status, "bold")
    console.print(f"[{style}]{summary.status}[/] {escape(summary.name)} in {seconds(summary.duration)}")


def executions_table(title: str, executions: list[ExecutionSummary]) -> Table:
    table = Table(title=title)
    for column in ("started (UTC)", "name", "status", "duration"):
        table.add_column(column)
    for ex in executions:
        started = ex.started.strftime("%Y-%m-%d %H:%M:%S") if ex.started else "-"
        style = STATUS_STYLE.get(ex.status, "")
        table.add_row(started, ex.name, f"[{style}]{ex.status}[/]", seconds(ex.duration))
    return table


def log_line(line: LogLine) -> str:
    return f"{line.at:%Y-%m-%d %H:%M:%S} {line.message}"
