"""`invoke run` records every run under .dorc/runs/; `invoke run --resume` resumes a failed one the
way Step Functions redrives an execution: "For workflows that include an Inline Map or Parallel
state, RedriveExecution ... redrives only the iterations and branches that failed or aborted", and
successful steps are not run again
(https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)."""

from __future__ import annotations

import json

import pytest
from invoke import Context
from invoke.exceptions import Exit

from dorc_runtime.runs.store import RunStore
from dorc_runtime.tasks.local import run
from tests.runtime.runs.pipelines import calls, map_pipeline, parallel_pipeline


def failing_run(**kwargs) -> str:
    with pytest.raises(Exit) as raised:
        run(Context(), **kwargs)
    return str(raised.value.message)


@pytest.mark.timeout(180)
def test_a_map_failure_resumes_only_the_failed_iterations(project, tmp_path, capsys):
    map_pipeline(project)
    log = tmp_path / "calls.log"
    (tmp_path / "broken-each2").touch()
    message = failing_run(pipeline="fanout", event=json.dumps({"log": str(log)}))
    assert "at state 'each.item' (in each[2])" in message  # the failing function and its Map item
    assert calls(log)[0] == "first" and "each2" in calls(log)
    store = RunStore(project.root)
    parent = store.latest()
    assert parent is not None and parent.status == "FAILED" and parent.pipeline == "raw/fanout"
    record = store.load(parent.id)
    each = [e for e in record["events"] if e["scope"].startswith("each[")]
    assert {e["scope"] for e in each if e["status"] == "FAILED"} == {"each[2]"}
    failed = next(e for e in each if e["status"] == "FAILED")
    assert failed["lines"] == ["each2 ran"] and "each2 is broken" in failed["cause"]

    (tmp_path / "broken-each2").unlink()  # the fix
    log.write_text("")
    run(Context(), "fanout", resume=True)
    out = capsys.readouterr().out
    assert f"Resuming run {parent.id} at state 'each'; not run again: first" in out
    ran = calls(log)
    assert ran == ["each2"]  # not first, not the items that succeeded: their results are reused
    child = store.latest()
    resumed = store.load(child.id)
    assert resumed["status"] == "SUCCEEDED" and resumed["parent"] == parent.id and resumed["resumed_at"] == "each"
    output = store.load(child.id)["output"]["value"]
    assert [item["done"] for item in output] == ["each0", "each1", "each2", "each3"]


@pytest.mark.timeout(180)
def test_a_parallel_failure_resumes_only_the_failed_branch(project, tmp_path, capsys):
    parallel_pipeline(project)
    log = tmp_path / "calls.log"
    (tmp_path / "broken-right").touch()
    failing_run(pipeline="split", event=json.dumps({"log": str(log)}))
    assert {"first", "right"} <= set(calls(log))
    store = RunStore(project.root)
    parent = store.load(store.latest().id)
    # branches run one function at a time locally, so a branch may not have started when 'right'
    # failed: AWS counts it aborted and redrives it too
    succeeded = {e["state"] for e in parent["events"] if e["scope"] and e["status"] == "SUCCEEDED"}
    assert "right" not in succeeded
    (tmp_path / "broken-right").unlink()
    log.write_text("")
    run(Context(), "split", resume=True)
    assert sorted(calls(log)) == sorted({"left", "right", "middle"} - succeeded)  # not first, nor what succeeded
    store = RunStore(project.root)
    record = store.load(store.latest().id)
    assert record["status"] == "SUCCEEDED"
    ran = {e["state"] for e in record["events"] if e["scope"]}
    assert "right" in ran and "first" not in {e["state"] for e in record["events"]}


def test_resume_refuses_a_succeeded_run_and_a_renamed_state(project, tmp_path):
    parallel_pipeline(project)
    log = tmp_path / "calls.log"
    assert "no failed local run of raw/split" in failing_run(pipeline="split", resume=True)
    (tmp_path / "broken-left").touch()
    failing_run(pipeline="split", event=json.dumps({"log": str(log)}))
    store = RunStore(project.root)
    failed_id = store.latest().id
    main = project.root / "src" / "raw" / "split" / "__main__.py"
    (project.root / "src" / "raw" / "split" / "src" / "left").rename(project.root / "src" / "raw" / "split" / "src" / "west")
    main.write_text(main.read_text().replace('"left"', '"west"'))
    message = failing_run(pipeline="split", resume=failed_id)
    assert "removed or renamed" in message and "left" in message and "without --resume" in message
