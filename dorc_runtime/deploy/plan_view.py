"""Print a :class:`~dorc_runtime.deploy.plan.Plan`: a rich table, and the JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from .plan import Plan


def short_type(token: str) -> str:
    """'aws:lambda/function:Function' -> 'lambda:Function'; 'docker:index/image:Image' -> 'docker:Image'."""
    package, module, kind = (token.split(":") + ["", ""])[:3]
    area = module.split("/")[0]
    return f"{package if area == 'index' else area}:{kind}"


def _value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def plan_table(plan: Plan) -> Table:
    table = Table(title=f"dorc plan: {plan.environment} ({plan.region}, account {plan.account})")
    # fold rather than truncate: a name cut short with '…' is no use in a plan
    for column in ("Stack", "Type", "Physical name", "Key properties"):
        table.add_column(column, overflow="fold")
    for resource in plan.resources:
        properties = ", ".join(f"{k}={_value(v)}" for k, v in resource.properties.items())
        table.add_row(resource.stack, short_type(resource.type), resource.physical_name or "", properties)
    return table


def summary(plan: Plan) -> str:
    return (
        f"{len(plan.resources)} resources in {len(plan.stacks)} stack(s), "
        f"{len(plan.state_machines())} state machine(s), {len(plan.policies())} IAM/resource policies"
    )


def write_json(plan: Plan, path: Path) -> None:
    path.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
