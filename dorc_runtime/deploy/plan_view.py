"""Print a :class:`~dorc_runtime.deploy.plan.Plan` as text, and write it as JSON.

The printed plan has to stay readable in an 80-column terminal and in CI logs, where names cut
short or folded inside table cells are useless. So it is a list, not a table: a heading per stack,
one line per resource (type, then its physical name whole), and the key properties as ``k=v`` on
the indented lines below. :func:`plan_sections` is pure (plan and width in, lines out).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from .plan import Plan, PlannedResource

INDENT = "  "  # a resource under its stack heading
NAME_INDENT = " " * 4  # its physical name, when it does not fit beside the type
PROPERTY_INDENT = " " * 6  # its key properties
TYPE_COLUMN_MAX = 24  # wider types put the name on the next line instead of widening every row
GAP = "  "


def short_type(token: str) -> str:
    """'aws:lambda/function:Function' -> 'lambda:Function'; 'docker:index/image:Image' -> 'docker:Image'."""
    package, module, kind = (token.split(":") + ["", ""])[:3]
    area = module.split("/")[0]
    return f"{package if area == 'index' else area}:{kind}"


def _value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _pack(tokens: list[str], width: int) -> list[str]:
    """Tokens on as few lines of ``width`` as possible. A token is never split: one longer than a
    line gets a line of its own, so an ARN or a name can still be copied whole."""
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current}{GAP}{token}" if current else token
        if current and len(candidate) > width:
            lines.append(current)
            current = token
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def resource_lines(resource: PlannedResource, type_width: int, width: int) -> list[str]:
    kind = short_type(resource.type)
    # resources without a physical name (permissions, targets) are shown by their logical name
    name = resource.physical_name or f"({resource.name})"
    head = f"{INDENT}{kind:<{type_width}}{GAP}{name}"
    if len(kind) <= type_width and len(head) <= width:
        lines = [head]
    else:
        lines = [f"{INDENT}{kind}", f"{NAME_INDENT}{name}"]
    properties = [f"{key}={_value(value)}" for key, value in resource.properties.items()]
    lines += [PROPERTY_INDENT + line for line in _pack(properties, width - len(PROPERTY_INDENT))]
    return lines


def title(plan: Plan) -> str:
    return f"dorc plan: {plan.environment} ({plan.region}, account {plan.account})"


def plan_sections(plan: Plan, width: int) -> list[tuple[str, list[str]]]:
    """(heading, lines) per stack in deploy order. Only a name or a value that is longer than a
    line by itself makes a line longer than ``width``; nothing is cut or folded."""
    type_width = min(TYPE_COLUMN_MAX, max((len(short_type(r.type)) for r in plan.resources), default=0))
    by_stack: dict[str, list[PlannedResource]] = {stack: [] for stack in plan.stacks}
    for resource in plan.resources:
        by_stack.setdefault(resource.stack, []).append(resource)
    sections = []
    for stack, resources in by_stack.items():
        count = f"{len(resources)} resource{'' if len(resources) == 1 else 's'}"
        lines = [line for resource in resources for line in resource_lines(resource, type_width, width)]
        sections.append((f"{stack} ({count})", lines))
    return sections


def print_plan(console: Console, plan: Plan) -> None:
    # Text, not markup: stack labels such as '[prod]' would otherwise be read as styles
    console.print(Text(title(plan), style="bold"))
    for heading, lines in plan_sections(plan, console.width):
        console.print()
        console.print(Text(heading, style="bold"))
        for line in lines:
            # a name longer than the console stays whole: the terminal wraps it, a log keeps it
            console.print(Text(line), no_wrap=True, overflow="ignore", crop=False)
    console.print()


def summary(plan: Plan) -> str:
    return (
        f"{len(plan.resources)} resources in {len(plan.stacks)} stack(s), "
        f"{len(plan.state_machines())} state machine(s), {len(plan.policies())} IAM/resource policies"
    )


def write_json(plan: Plan, path: Path) -> None:
    path.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
