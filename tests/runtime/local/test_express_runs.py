"""A pipeline whose definition says ``type="EXPRESS"`` runs locally as an EXPRESS execution: its ARN
has AWS's express form (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html)."""

from __future__ import annotations

import re

from dorc_runtime.local.runner import LocalRun
from dorc_runtime.local.session import LocalSession, LocalSettings
from dorc_runtime.project import Project
from tests.helpers.projects import pipeline_source

HANDLER = "def handler(event, context):\n    return event\n"


def test_an_express_pipeline_runs_as_an_express_execution(project):
    folder = project.pipeline("raw", "fast", 'Function(name="only")', {"only": HANDLER})
    source = pipeline_source('Function(name="only")').replace("functions=[", 'type="EXPRESS", functions=[')
    (folder / "__main__.py").write_text(source)
    settings = LocalSettings.of(Project.find())
    with LocalSession(settings) as session:
        execution = LocalRun(session, "raw", "fast").execute({"k": 1})
    assert execution.output == {"k": 1}
    assert re.fullmatch(r"arn:aws:states:[a-z0-9-]+:123456789012:express:demo-local-raw-fast:[0-9a-f-]{36}:[0-9a-f-]{36}",
                        execution.arn), execution.arn
