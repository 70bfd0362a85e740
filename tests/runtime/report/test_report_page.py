"""`invoke report`: one self-contained page (no network) with every state's outcome in colour and in
words, Map items with their status, the timeline and the estimated cost."""

from __future__ import annotations

import re
import subprocess
import sys

from invoke import Context

from dorc_runtime.tasks.runs import report, runs


def test_the_latest_run_is_written_to_dorc_reports(failed_map_run, capsys):
    project, run_id = failed_map_run
    capsys.readouterr()
    report(Context())
    assert capsys.readouterr().out.strip() == f"Wrote .dorc/reports/{run_id}.html"
    page = (project.root / ".dorc" / "reports" / f"{run_id}.html").read_text()
    # self-contained: nothing is fetched (no external script, stylesheet, image or font)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    # outcomes are drawn and written: the node's fill and its words
    assert re.search(r'data-state="first" data-outcome="succeeded"[^>]*aria-label="first: ✓ succeeded"', page)
    assert re.search(r'data-state="each" data-outcome="failed"', page)
    assert "each.item" in page and "✗ failed" in page
    assert "each (Map): 4 items" in page and 'data-index="2" data-outcome="failed"' in page
    assert "Estimated AWS cost (eu-west-2, prices of 2026-12-01): $" in page and "an estimate" in page
    assert "RuntimeError" in page and "each2 is broken" in page


def test_a_report_to_a_chosen_file_and_the_runs_list(failed_map_run, tmp_path, capsys):
    project, run_id = failed_map_run
    target = tmp_path / "shared" / "census-run.html"
    report(Context(), run=run_id, output=str(target))
    assert target.read_text().startswith("<!doctype html>")
    capsys.readouterr()
    runs(Context())
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "pipeline", "status", "duration", "when", "(UTC)"]
    assert lines[1].split()[:3] == [run_id, "raw/fanout", "FAILED"]


def test_the_command_line_takes_the_run_as_a_flag(failed_map_run, tmp_path):
    project, run_id = failed_map_run
    target = tmp_path / "from-cli.html"
    done = subprocess.run([sys.executable, "-m", "invoke", "report", "--run", run_id, "--output", str(target)],
                          cwd=project.root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert target.exists()
    done = subprocess.run([sys.executable, "-m", "invoke", "report", "--run", "no-such-run"],
                          cwd=project.root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "There is no local run 'no-such-run'" in done.stderr
    assert "Traceback" not in done.stderr
