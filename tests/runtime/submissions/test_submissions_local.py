"""invoke submit and invoke new-route against a small project: the dispatcher, then the routed
pipeline run by the local runner on the embedded AWS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from invoke import Context
from invoke.exceptions import Exit

from dorc_runtime.project import Project
from dorc_runtime.submissions.local import submit_locally
from dorc_runtime.tasks.submissions import new_route, submit
from tests.helpers.projects import enter_project, write_pipeline, write_settings
from tests.runtime.submissions.submission_archives import (
    DATA,
    hostile_archives,
    manifest_bytes,
    tar_bytes,
    valid_members,
)

LOAD = '''
import csv
import io
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    bucket = os.environ["DORC_HOLDING_BUCKET"]
    [key] = event["files"]
    text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    return {"source_id": event["source_id"], "rows": len(rows), "delimiter": event["options"]["delimiter"]}
'''

ROUTES = '''
from dorc_runtime.submissions.routes import Route

ROUTES = [
    Route(source_id=r"census_.*_v1", layer="raw", pipeline="census", required_files=[r"^data\\.csv$"],
          options={"delimiter": ","}),
]
'''


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "demo"
    write_settings(root, "demo")
    write_pipeline(root, "raw", "census", 'Function(name="load")', {"load": LOAD})
    (root / "routes.py").write_text(ROUTES)
    enter_project(root, monkeypatch)
    return root


def test_valid_archive_runs_the_routed_pipeline_end_to_end(project):
    archive = project / "census_2021_v1.tar.gz"
    archive.write_bytes(tar_bytes(valid_members(), compress=True))

    result = submit_locally(Project(project), archive)

    assert result.outcome.status == "accepted"
    assert result.execution.succeeded
    assert result.execution.output == {"source_id": "census_2021_v1", "rows": DATA.count(b"\n") - 1, "delimiter": ","}
    bucket = project / ".dorc" / "local" / "s3" / "demo-local-submissions-123456789012"
    assert (bucket / "processed" / result.outcome.submission_id / archive.name).read_bytes() == archive.read_bytes()


def test_submit_task_prints_the_route_files_and_output(project, capsys):
    archive = project / "census_2021_v1.tar"
    archive.write_bytes(tar_bytes(valid_members()))

    submit(Context(), str(archive))

    out = capsys.readouterr().out
    assert "route 'census_.*_v1' -> raw/census" in out
    assert "/data.csv" in out
    assert '"rows": 2' in out


def test_submit_task_exits_non_zero_with_the_report_path_when_rejected(project):
    name, body, rule = hostile_archives()["path traversal"]
    archive = project / name
    archive.write_bytes(body)

    with pytest.raises(Exit) as caught:
        submit(Context(), str(archive))

    assert caught.value.code == 1
    message = str(caught.value.message)
    assert f"Rejected ({rule})" in message
    report = Path(message.split("Report: ")[1].split(" Fix:")[0].strip())
    assert json.loads((project / report).read_text())["rule"] == rule


def test_submit_task_exits_non_zero_when_the_pipeline_fails(project):
    archive = project / "census_2021_v1.tar"
    archive.write_bytes(tar_bytes([("manifest.json", manifest_bytes()), ("data.csv", DATA), ("extra.csv", DATA)]))
    # two files: the handler's '[key] = event["files"]' fails, so the run fails after acceptance
    with pytest.raises(Exit) as caught:
        submit(Context(), str(archive))
    assert "raw/census FAILED" in str(caught.value.message)


def test_new_route_adds_a_route_that_then_routes(project):
    (project / "routes.py").write_text("from dorc_runtime.submissions.routes import Route\n\nROUTES: list[Route] = []\n")

    new_route(Context(), "census_.*_v1", "census", layer="raw", require=[r"^data\.csv$"])

    text = (project / "routes.py").read_text()
    assert 'Route(source_id=r"census_.*_v1", layer="raw", pipeline="census", required_files=[r"^data\\.csv$"])' in text
    from dorc_runtime.submissions.routes import load_routes

    assert load_routes(project).match("census_2021_v1").pipeline == "census"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("census_.*_v1", "census"), "already has the pattern"),
        (("census_(", "census"), "not a valid regular expression"),
        (("prices_.*", "prices"), "There is no pipeline 'prices'"),
    ],
)
def test_new_route_refuses_with_one_line_and_changes_nothing(project, args, fragment):
    before = (project / "routes.py").read_text()

    with pytest.raises(Exit) as caught:
        new_route(Context(), *args)

    assert fragment in str(caught.value.message)
    assert "\n" not in str(caught.value.message)
    assert (project / "routes.py").read_text() == before
