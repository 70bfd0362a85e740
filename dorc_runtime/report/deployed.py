"""A deployed execution, read with boto3, as a run record and its definition (for ``invoke report
--pipeline P --env E --execution NAME``)."""

from __future__ import annotations

import json
from typing import Any

from ..operate.aws import aws_errors
from ..operate.executions import _history_pages
from ..operate.target import DeployedPipeline
from ..runs.execution_history import record_from_history


def execution_record(sfn: Any, target: DeployedPipeline, account: str, name: str,
                     functions: dict[str, dict[str, Any]], triggers: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(record, definition) of execution ``name``; ``functions`` by state name {memory_mb, architecture}.

    Lambda durations are not in the history: a Task's duration stands in for its function's, so
    the cost is an upper-bound estimate."""
    machine_arn = target.state_machine_arn(account)
    arn = machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    missing = (f"There is no execution {name!r} of {target.state_machine_name} in {target.region}.",
               f"list them with 'invoke executions {target.pipeline} --env {target.environment}'")
    with aws_errors(f"describe execution {name}", not_found=missing):
        sfn.describe_execution(executionArn=arn)
    with aws_errors(f"describe {target.state_machine_name}", not_found=target.not_deployed()):
        machine = sfn.describe_state_machine(stateMachineArn=machine_arn)
    definition = json.loads(machine["definition"])
    meta = {"id": name, "pipeline": f"{target.layer}/{target.pipeline}", "layer": target.layer,
            "name": target.pipeline, "state_machine_arn": machine_arn, "workflow": machine.get("type", "STANDARD"),
            "region": target.region, "environment": target.environment, "functions": functions,
            "triggers": triggers, "deployed": True}
    record = record_from_history(_history_pages(sfn, arn), definition, meta)
    record["invocations"] = [
        {"function": e["state"], "duration_ms": (e["ended"] - e["started"]) * 1000}
        for e in record["events"] if e["type"] == "Task" and e["state"] in functions
    ]
    return record, definition
