"""The census example takes submissions out of the box: the bake adds its route (the same text
``invoke new-route`` writes), the shipped sample becomes an archive with the command the README
gives, ``invoke submit`` runs the routed raw census end to end, and ``invoke plan`` shows the
submissions resources with clean IAM audits."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from dorc_runtime.naming import LOCAL_ACCOUNT, Naming
from dorc_runtime.submissions.routes import Route, load_routes
from dorc_runtime.submissions.scaffold import add_route
from tests.helpers.iam_audit import parliament_findings

pytestmark = pytest.mark.slow

SAMPLE = "census_2021_v1"
# The README's command for the sample archive, run as written.
ARCHIVE_COMMAND = ["tar", "czf", f"{SAMPLE}.tar.gz", "-C", "samples", SAMPLE]


def test_the_bake_adds_the_census_route_as_new_route_would(baked_project: Path, bake) -> None:
    without_examples = bake(include_example="no")
    assert load_routes(without_examples).routes == ()
    assert not (without_examples / "samples").exists()

    route = Route(source_id=r"census_.*_v1", layer="raw", pipeline="census", required_files=[r"^data\.csv$"])
    baked = (baked_project / "routes.py").read_text()
    assert baked == add_route((without_examples / "routes.py").read_text(), route)
    matched = load_routes(baked_project).match(SAMPLE)
    assert (matched.layer, matched.pipeline) == ("raw", "census")


def test_sample_archive_runs_the_routed_census_end_to_end(baked_project: Path, project_copy, invoke_in) -> None:
    project = project_copy(baked_project)
    data = project / "samples" / SAMPLE / "data.csv"
    # a population no bundled sample has: the published file must be the submitted one
    rows = list(csv.DictReader(io.StringIO(data.read_text())))
    rows[0]["population"] = "424242"
    with data.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    subprocess.run(ARCHIVE_COMMAND, cwd=project, check=True)

    result = invoke_in(project, "submit", f"{SAMPLE}.tar.gz")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "route 'census_.*_v1' -> raw/census" in result.stdout
    assert "Pipeline raw/census SUCCEEDED" in result.stdout
    holding = project / ".dorc" / "local" / "s3" / Naming("pipeline-config", "local").holding_bucket(LOCAL_ACCOUNT)
    assert (holding / "census" / "raw" / "2021.csv").read_text() == data.read_text()


def test_plan_shows_the_submissions_resources_with_clean_audits(baked_project: Path, project_copy, invoke_in, tmp_path: Path) -> None:
    project = project_copy(baked_project)
    output = tmp_path / "plan.json"

    result = invoke_in(project, "plan", "--env", "prod", "--output", str(output))

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    plan = json.loads(output.read_text())
    naming = Naming("pipeline-config", "prod")
    bucket, dispatcher = naming.submissions_bucket(plan["account"]), naming.dispatcher_function()
    infra = [r for r in plan["resources"] if r["stack"] == "infra [prod]"]
    named = {(r["type"], r["physical_name"]) for r in infra}
    assert {("aws:s3/bucket:Bucket", bucket), ("aws:lambda/function:Function", dispatcher)} <= named
    [rule] = [r for r in infra if r["type"] == "aws:cloudwatch/eventRule:EventRule" and bucket in r["inputs"]["eventPattern"]]
    pattern = json.loads(rule["inputs"]["eventPattern"])
    assert pattern["detail"] == {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "incoming/"}]}}
    [target] = [r for r in infra if r["type"] == "aws:cloudwatch/eventTarget:EventTarget" and r["inputs"]["rule"] == rule["physical_name"]]
    assert target["inputs"]["arn"].endswith(f":function:{dispatcher}")
    printed = result.stdout
    assert "lambda:Function" in printed and "cloudwatch:EventRule" in printed and "s3:Bucket" in printed
    findings = parliament_findings(plan["policies"])
    assert "infra [prod]:submissions-dispatcher:aws:iam/rolePolicy:RolePolicy" in findings
    assert {key: found for key, found in findings.items() if found} == {}
