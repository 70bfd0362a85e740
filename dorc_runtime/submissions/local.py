"""``invoke submit``: the deployed path, on the embedded AWS.

The archive is uploaded to the local submissions bucket, the same :class:`~.dispatcher.Dispatcher`
the Lambda runs handles it (routed state machines exist in moto, so ``StartExecution`` behaves as
in AWS), and then the local runner runs the routed pipeline with the input the dispatcher started
it with. Everything persists in the local holding store (``.dorc/local/s3/``), reports included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DorcError
from ..project import Project
from .dispatcher import AwsClients, Dispatcher, DispatcherSettings, Outcome
from .events import INCOMING_PREFIX, IncomingObject
from .routes import RouteTable, load_routes


@dataclass(frozen=True)
class SubmitResult:
    outcome: Outcome
    execution: Any | None  # the local runner's Execution when the archive was accepted
    report_path: Path | None  # the failure report on disk when it was rejected
    holding_bucket: str


def _ensure_bucket(s3: Any, name: str, region: str) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **location)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def _register_state_machines(sfn: Any, loader: Any, project: Project, table: RouteTable, settings: Any) -> None:
    """Create each routed pipeline's state machine in moto, from the ASL deploy would upload."""
    role = settings.naming.dispatcher_role_arn(settings.account)
    for layer, pipeline in sorted({(r.layer, r.pipeline) for r in table.routes}):
        if pipeline not in project.pipelines(layer):
            continue  # 'invoke validate' reports it; a submission routed there is refused by StartExecution
        loaded = loader.pipeline(layer, pipeline, handlers=False)
        name = settings.naming.state_machine(layer, pipeline)
        try:
            sfn.create_state_machine(name=name, definition=json.dumps(loaded.asl), roleArn=role)
        except sfn.exceptions.StateMachineAlreadyExists:
            sfn.update_state_machine(stateMachineArn=loaded.arn, definition=json.dumps(loaded.asl))


def submit_locally(project: Project, archive: Path, environment: str | None = None, recorder: Any = None) -> SubmitResult:
    import boto3

    from ..local.runner import LocalRun, PipelineLoader
    from ..local.session import LocalSession, LocalSettings

    if not archive.is_file():
        raise DorcError(f"{archive} does not exist or is not a file.", "pass the path of a .tar, .tar.gz or .zip")
    table = load_routes(project.root)
    if not table.routes:
        raise DorcError("routes.py declares no routes, so no submission can be accepted.", "add one with 'invoke new-route'")
    settings = LocalSettings.of(project, environment)
    naming, region = settings.naming, settings.region
    bucket = naming.submissions_bucket(settings.account)
    execution = None
    with LocalSession(settings) as session:
        s3 = boto3.client("s3", region_name=region)
        sfn = boto3.client("stepfunctions", region_name=region)
        sns = boto3.client("sns", region_name=region)
        _ensure_bucket(s3, bucket, region)
        topic = sns.create_topic(Name=naming.failure_topic())["TopicArn"]
        _register_state_machines(sfn, PipelineLoader(session), project, table, settings)

        key = f"{INCOMING_PREFIX}{archive.name}"
        s3.upload_file(str(archive), bucket, key)
        head = s3.head_object(Bucket=bucket, Key=key)
        obj = IncomingObject(bucket, key, head.get("VersionId"), head["ETag"].strip('"'), head["ContentLength"])
        dispatcher_settings = DispatcherSettings(naming, region, settings.account, settings.holding_bucket, topic)
        outcome = Dispatcher(table, dispatcher_settings, AwsClients(s3, sfn, sns)).dispatch(obj)
        if outcome.status == "accepted" and outcome.route is not None:
            run = LocalRun(session, outcome.route.layer, outcome.route.pipeline, recorder=recorder)
            execution = run.execute(outcome.pipeline_input)
    report = session.store.path_of(bucket, outcome.report_key) if outcome.report_key else None
    return SubmitResult(outcome, execution, report, settings.holding_bucket)
