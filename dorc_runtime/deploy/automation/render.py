"""Printing a stack's outputs: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from .stacks import StackRef


def outputs_json(outputs: dict[str, Any]) -> str:
    return json.dumps(outputs, indent=2, sort_keys=True, default=str)


def print_outputs(console: Console, stack: StackRef, outputs: dict[str, Any], as_json: bool = False) -> None:
    if as_json:
        # plain print: rich would wrap or colour it and break `| jq`
        print(outputs_json(outputs))
        return
    table = Table(title=f"outputs of {stack.label}")
    table.add_column("name", style="bold")
    table.add_column("value")
    for key in sorted(outputs):
        value = outputs[key]
        table.add_row(key, value if isinstance(value, str) else json.dumps(value, default=str))
    console.print(table)
