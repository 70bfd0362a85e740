"""Build report pages from the run store: the one place ``invoke report`` and ``invoke ui`` share."""

from __future__ import annotations

import os
from collections.abc import Callable
from html import escape
from pathlib import Path

from ..runs.store import RunStore, RunSummary
from .assets import CSS
from .html import render_report
from .view import build_view

REPORTS_FOLDER = Path(".dorc") / "reports"


def run_page(store: RunStore, run_id: str, link: Callable[[str], str], run_href: Callable[[str], str],
             live: bool = False) -> str:
    """``link``: a payload file's href; ``run_href``: another run's (the parent of a resumed run)."""
    record = store.load(run_id)
    view = build_view(record, store.definition(run_id), link)
    refresh = 2 if live and record["status"] == "RUNNING" else None
    parent = record.get("parent")
    return render_report(view, refresh_seconds=refresh, parent_href=run_href(parent) if parent else None)


def write_report(store: RunStore, run_id: str, output: Path) -> Path:
    """``invoke report``: the page, with links to large payloads relative to where it is written."""
    output.parent.mkdir(parents=True, exist_ok=True)
    folder = store.folder(run_id)

    def link(relative: str) -> str:
        return Path(os.path.relpath(folder / relative, output.parent.resolve())).as_posix()

    output.write_text(run_page(store, run_id, link, lambda parent: f"{parent}.html"), encoding="utf-8")
    return output


def _duration(summary: RunSummary) -> str:
    return "running" if summary.duration is None else f"{summary.duration:.2f} s"


def runs_page(summaries: list[RunSummary], href: Callable[[str], str]) -> str:
    import time

    live = any(s.status == "RUNNING" for s in summaries)
    rows = "".join(
        f'<tr data-run="{escape(s.id)}"><td><a href="{escape(href(s.id))}">{escape(s.id)}</a></td>'
        f"<td>{escape(s.pipeline)}</td><td><span class=\"badge o-{_outcome(s.status)}\">{escape(s.status)}</span></td>"
        f"<td>{_duration(s)}</td><td>{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(s.started))}</td>"
        f"<td>{'resumed from ' + escape(s.parent) if s.parent else ''}</td></tr>"
        for s in summaries
    ) or '<tr><td colspan="6">No runs yet: <code>invoke run PIPELINE</code> records one.</td></tr>'
    refresh = '<meta http-equiv="refresh" content="2">' if live else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dorc runs</title>{refresh}<style>{CSS}</style></head>
<body><h1>dorc: local runs</h1>
<table><tr><th>run</th><th>pipeline</th><th>status</th><th>duration</th><th>when</th><th></th></tr>{rows}</table>
</body></html>
"""


def _outcome(status: str) -> str:
    return {"SUCCEEDED": "succeeded", "RUNNING": "running"}.get(status, "failed")
