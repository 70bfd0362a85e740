"""Accepted files into the holding store, then the routed state machine started, exactly once.

Files go under ``submissions/<source_id>/<submission id>/`` with ``manifest.json``. The execution
is named after the submission id (Step Functions refuses a second STANDARD execution of that name:
``ExecutionAlreadyExists``), and a ``_submission.json`` marker (execution ARN + input) is written
after the start and read before it, so a retry after a crash does not start it again (this also
covers EXPRESS machines, which do not de-duplicate by name, except in the instant between the
start and the marker).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..naming import execution_arn
from .archive import ExtractedFile
from .exceptions import Rejection
from .manifest import MANIFEST_NAME, Manifest
from .routes import Route
from .settings import HOLDING_PREFIX, MARKER_NAME, AwsClients, DispatcherSettings

# "Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8
# encoded string" (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
MAX_EXECUTION_INPUT_BYTES = 262_144


@dataclass(frozen=True)
class Start:
    """What will be staged and started (pure: checked before anything is written)."""

    sid: str
    route: Route
    prefix: str
    manifest_file: ExtractedFile
    files: tuple[ExtractedFile, ...]
    pipeline_input: dict[str, Any]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.pipeline_input["files"])


def plan_start(sid: str, manifest: Manifest, route: Route, manifest_file: ExtractedFile, files: Sequence[ExtractedFile]) -> Start:
    prefix = f"{HOLDING_PREFIX}{manifest.source_id}/{sid}/"
    pipeline_input = {
        "submission_id": sid,
        "source_id": manifest.source_id,
        "manifest": manifest.as_json(),
        "files": [prefix + f.name for f in files],
        "options": route.options,
    }
    size = len(json.dumps(pipeline_input).encode())
    if size > MAX_EXECUTION_INPUT_BYTES:
        raise Rejection(
            "route.input_too_large",
            f"The pipeline's input would be {size} bytes (its {len(files)} file names); Step Functions "
            f"takes at most {MAX_EXECUTION_INPUT_BYTES}.",
            "submit fewer files (or fewer, larger ones) per archive",
            limit=MAX_EXECUTION_INPUT_BYTES,
        )
    return Start(sid, route, prefix, manifest_file, tuple(files), pipeline_input)


def stage_and_start(clients: AwsClients, settings: DispatcherSettings, start: Start, archive_key: str) -> str:
    """The execution ARN, after staging the files and starting the state machine (once)."""
    s3, holding = clients.s3, settings.holding_bucket
    marker = start.prefix + MARKER_NAME
    try:
        return json.loads(s3.get_object(Bucket=holding, Key=marker)["Body"].read())["execution_arn"]
    except s3.exceptions.NoSuchKey:
        pass
    for f in start.files:
        s3.upload_file(str(f.path), holding, start.prefix + f.name)
    s3.upload_file(str(start.manifest_file.path), holding, start.prefix + MANIFEST_NAME)
    arn = _start_execution(clients, settings, start.route, start.sid, start.pipeline_input)
    body = {"execution_arn": arn, "input": start.pipeline_input, "archive": archive_key}
    s3.put_object(Bucket=holding, Key=marker, Body=json.dumps(body).encode(), ContentType="application/json")
    return arn


def _start_execution(
    clients: AwsClients, settings: DispatcherSettings, route: Route, sid: str, pipeline_input: dict[str, Any]
) -> str:
    sfn = clients.sfn
    arn = settings.state_machine_arn(route)
    try:
        return sfn.start_execution(stateMachineArn=arn, name=sid, input=json.dumps(pipeline_input))["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        # the same submission already started (a retry after a crash): do not run it twice
        return execution_arn(arn, sid)
