"""Invoke tasks for submissions: new-route, submit.

Thin wiring over :mod:`dorc_runtime.submissions`; import-light at module level (boto3, moto and
libcst load only when a task runs).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import DefinitionError, ExecutionFailed, SubmissionRejected
from ..project import Project
from .declare import dorc_task


@dorc_task(
    help={
        "source_id": "regular expression the manifest's whole source_id must match, e.g. 'census_.*_v1'",
        "pipeline": "the pipeline submissions go to",
        "layer": "its layer (may be left out when the name is unique)",
        "require": "regular expression a file path must match; repeat for several",
    },
    iterable=["require"],
)
def new_route(c, source_id, pipeline, layer=None, require=None):
    """Add a route to routes.py: submissions whose source_id matches go to this pipeline.

    Example: invoke new-route 'census_.*_v1' census --layer raw --require 'data/.*[.]csv'
    """
    from ..scaffold import writer
    from ..submissions.scaffold import plan_route

    project = Project.find()
    plan, route, overlaps = plan_route(project, source_id, pipeline, layer, list(require or []))
    if overlaps:  # 'invoke validate' rejects these: never write a routes.py it would refuse
        raise DefinitionError(
            [f"{overlap}; nothing was changed" for overlap in overlaps],
            "choose a source_id pattern no earlier route already matches, or edit routes.py by hand",
        )
    writer.apply(project.root, plan)
    print(f"Route {route.describe()} added to routes.py.")


@dorc_task(
    help={
        "archive": "the .tar, .tar.gz or .zip to submit",
        "env": "environment whose names to use (default: local, with moto's account)",
    }
)
def submit(c, archive, env=None):
    """Submit an archive locally: the dispatcher, then the routed pipeline, on the embedded AWS.

    Example: invoke submit submission.tar.gz
    """
    from ..local.console import RunConsole, failure_location, failure_summary
    from ..submissions.local import submit_locally

    project = Project.find()
    console = RunConsole()
    result = submit_locally(project, Path(archive), env, recorder=console.invocation)
    outcome = result.outcome
    if outcome.status != "accepted":
        where = os.path.relpath(result.report_path) if result.report_path else "(no report)"
        rule = (outcome.report or {}).get("rule", outcome.status)
        message = (outcome.report or {}).get("message", "")
        raise SubmissionRejected(f"Rejected ({rule}): {message} Report: {where}", (outcome.report or {}).get("fix"))
    print(f"Accepted as {outcome.submission_id}: route {outcome.route.describe()}")
    for key in outcome.files:
        print(f"  file s3://{result.holding_bucket}/{key}")
    execution = result.execution
    if not execution.succeeded:
        console.failure_details(execution.cause)  # rendered as 'invoke run' renders it
        where = failure_location(execution)
        raise ExecutionFailed(
            f"{outcome.route.layer}/{outcome.route.pipeline} {execution.status.value}{where}: "
            f"{failure_summary(execution.error, execution.cause)}",
            "fix the pipeline and submit again",
        )
    console.line(f"Pipeline {outcome.route.layer}/{outcome.route.pipeline} {execution.status.value}. Output:")
    console.output(execution.output)


TASKS = [new_route, submit]
