"""The record of a local run: what the console shows, bounded payloads stored once, pruning by
count, retries, a resumed run's link to its parent, and a cron pipeline's monthly projection."""

from __future__ import annotations

import json

import pytest
from invoke import Context
from invoke.exceptions import Exit

from dorc_runtime.errors import DorcError
from dorc_runtime.runs.payloads import INLINE_BYTES, PayloadStore
from dorc_runtime.runs.store import RunStore, keep_count
from dorc_runtime.tasks.local import run
from dorc_runtime.tasks.runs import report
from tests.runtime.runs.pipelines import map_pipeline

BIG = """
def handler(event, context):
    return {"blob": "x" * 20000}
"""
PASS_ON = """
def handler(event, context):
    return event
"""
FLAKY = """
from pathlib import Path

def handler(event, context):
    marker = Path(event["marker"])
    if not marker.exists():
        marker.touch()
        raise TimeoutError("the census API timed out")
    print("second try worked")
    return event
"""


def test_large_payloads_are_stored_once_and_cut_in_the_page(project, capsys):
    project.pipeline("raw", "big", 'Function(name="make", next_function="keep"), Function(name="keep")',
                     {"make": BIG, "keep": PASS_ON})
    run(Context(), "big")
    store = RunStore(project.root)
    run_id = store.latest().id
    record = store.load(run_id)
    files = list((store.folder(run_id) / "payloads").iterdir())
    assert len(files) == 1  # make's output, keep's input and output, the run's output: one file
    ref = record["output"]
    assert ref["file"] == f"payloads/{files[0].name}" and ref["bytes"] > INLINE_BYTES
    assert len(ref["preview"]) == 600 and "value" not in ref
    assert PayloadStore(store.folder(run_id)).get(ref) == {"blob": "x" * 20000}
    report(Context(), run=run_id)
    page = (project.root / ".dorc" / "reports" / f"{run_id}.html").read_text()
    assert f"../runs/{run_id}/payloads/{files[0].name}" in page  # the link next to the cut text
    assert "x" * 20000 not in page


def test_only_the_newest_runs_are_kept(project, monkeypatch):
    project.pipeline("raw", "tiny", 'Function(name="only")', {"only": PASS_ON})
    monkeypatch.setenv("DORC_RUNS_KEEP", "2")
    for _ in range(4):
        run(Context(), "tiny")
    store = RunStore(project.root)
    assert len(store.summaries()) == 2 and len(list(store.root.iterdir())) == 2


def test_listing_and_pruning_read_each_runs_summary_never_its_record(project, monkeypatch):
    """Every run ends by pruning the others, and a record holds up to 20,000 state runs: what
    'invoke runs' and pruning need comes from summary.json, however large run.json is."""
    project.pipeline("raw", "tiny", 'Function(name="only")', {"only": PASS_ON})
    monkeypatch.setenv("DORC_RUNS_KEEP", "2")
    store = RunStore(project.root)
    run(Context(), "tiny")
    run(Context(), "tiny")
    newer, older = store.summaries()
    for summary in (newer, older):
        (store.folder(summary.id) / "run.json").write_text("not JSON: listing and pruning never parse it")
    run(Context(), "tiny")
    newest = store.latest()
    assert [s.id for s in store.summaries()] == [newest.id, newer.id]
    assert not store.folder(older.id).exists()
    summary = json.loads((store.folder(newest.id) / "summary.json").read_text())
    record = store.load(newest.id)
    assert summary == {"id": newest.id, "pipeline": "raw/tiny", "status": "SUCCEEDED",
                       "started": record["started"], "stopped": record["stopped"], "parent": None}


def test_a_run_recorded_before_summaries_is_still_listed(project):
    project.pipeline("raw", "tiny", 'Function(name="only")', {"only": PASS_ON})
    run(Context(), "tiny")
    store = RunStore(project.root)
    only = store.latest()
    (store.folder(only.id) / "summary.json").unlink()
    assert store.summaries() == [only]


def test_a_bad_keep_count_is_refused():
    assert keep_count(7) == 7
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DORC_RUNS_KEEP", "many")
        with pytest.raises(DorcError) as raised:
            keep_count()
    assert "DORC_RUNS_KEEP='many'" in str(raised.value)


def test_a_retried_state_is_recorded_with_each_attempt(project, tmp_path):
    project.pipeline(
        "raw", "flaky",
        'Function(name="call", retry=(Retry(errors=["TimeoutError"], max_attempts=2, interval_seconds=1),))',
        {"call": FLAKY},
    )
    main = project.root / "src" / "raw" / "flaky" / "__main__.py"
    main.write_text("from dorc_runtime import Retry\n" + main.read_text())
    run(Context(), "flaky", event=json.dumps({"marker": str(tmp_path / "tried")}))
    store = RunStore(project.root)
    record = store.load(store.latest().id)
    attempts = [(e["status"], e["attempt"], e["error"]) for e in record["events"]]
    assert attempts == [("RETRYING", 0, "TimeoutError"), ("SUCCEEDED", 1, None)]
    assert record["events"][1]["lines"] == ["second try worked"]
    assert [e["lines"] for e in record["events"]][0] == []
    run_id = record["id"]
    report(Context(), run=run_id)
    page = (project.root / ".dorc" / "reports" / f"{run_id}.html").read_text()
    assert 'data-state="call" data-outcome="retried"' in page and "Retries</dt><dd>1<" in page


def test_the_console_shows_a_map_as_one_line_and_the_record_has_every_item(project, tmp_path, capsys):
    map_pipeline(project)
    run(Context(), "fanout", event=json.dumps({"log": str(tmp_path / "calls.log")}))
    out = capsys.readouterr().out
    assert "each.item" not in out and "ok      each " in out
    record = RunStore(project.root).load(RunStore(project.root).latest().id)
    assert sorted(e["scope"] for e in record["events"] if e["state"] == "each.item") == [
        "each[0]", "each[1]", "each[2]", "each[3]"]


def test_a_resumed_run_links_its_parent_in_the_report(project, tmp_path):
    map_pipeline(project)
    (tmp_path / "broken-each1").touch()
    with pytest.raises(Exception):  # noqa: B017 - the run fails (Exit), as intended
        run(Context(), "fanout", event=json.dumps({"log": str(tmp_path / "calls.log")}))
    store = RunStore(project.root)
    parent = store.latest().id
    (tmp_path / "broken-each1").unlink()
    run(Context(), "fanout", resume=True)
    child = store.latest().id
    report(Context(), run=child)
    page = (project.root / ".dorc" / "reports" / f"{child}.html").read_text()
    assert f'Resumed from</dt><dd>run <a href="{parent}.html">{parent}</a> at state each' in page
    assert 'data-state="first" data-outcome="reused"' in page
    assert 'data-index="0" data-outcome="reused"' in page and 'data-index="1" data-outcome="succeeded"' in page


def test_a_cron_pipeline_shows_its_monthly_estimate(project, capsys):
    project.pipeline("raw", "daily", 'Function(name="only")', {"only": PASS_ON})
    main = project.root / "src" / "raw" / "daily" / "__main__.py"
    main.write_text("from dorc_runtime import CronTrigger\n" + main.read_text().replace(
        "functions=[", 'trigger=CronTrigger("cron(0 6 * * ? *)"), functions=['))
    run(Context(), "daily")
    last = capsys.readouterr().out.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("Estimated AWS cost (eu-west-2, prices of 2026-12-01): $")
    assert last.endswith(" a month at 30 runs of cron(0 6 * * ? *)")
    run_id = RunStore(project.root).latest().id
    report(Context(), run=run_id)
    page = (project.root / ".dorc" / "reports" / f"{run_id}.html").read_text()
    assert "Per month (estimate)</dt><dd>$" in page and "for 30 runs of cron(0 6 * * ? *)" in page


def test_a_run_stopped_by_ctrl_c_is_recorded_as_aborted(project, monkeypatch):
    # Ctrl-C reaches the run's own process (a handler's KeyboardInterrupt stays in its sandbox, where
    # Lambda reports it as Runtime.ExitError): stand in for the signal arriving while the run executes
    from dorc_runtime.local.runner import LocalRun

    def interrupted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalRun, "execute", interrupted)
    project.pipeline("raw", "stop", 'Function(name="only")', {"only": PASS_ON})
    with pytest.raises(Exit) as raised:  # cli_errors renders Ctrl-C as one line
        run(Context(), "stop")
    assert "Interrupted" in str(raised.value.message)
    store = RunStore(project.root)
    record = store.load(store.latest().id)
    assert (record["status"], record["error"]) == ("ABORTED", "KeyboardInterrupt") and record["stopped"]
