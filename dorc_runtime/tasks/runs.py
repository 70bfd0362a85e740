"""Invoke tasks to look at runs: runs (the list), report (one HTML page), ui (a local server).

Thin wiring over :mod:`dorc_runtime.runs` and :mod:`dorc_runtime.report`, imported in the bodies.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..errors import DorcError
from .declare import dorc_task


@dorc_task(help={"limit": "how many of the newest runs to list (default 20)"})
def runs(c, limit=20):
    """List recent local runs (.dorc/runs/): id, pipeline, status, duration, when.

    Example: invoke runs --limit 5
    """
    from ..project import Project
    from ..runs.store import RunStore

    summaries = RunStore(Project.find().root).summaries()[: int(limit)]
    if not summaries:
        print("No local runs yet: 'invoke run PIPELINE' records one.")
        return
    print(f"{'run':<42} {'pipeline':<24} {'status':<10} {'duration':>10}  when (UTC)")
    for s in summaries:
        took = "running" if s.duration is None else f"{s.duration:.2f} s"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s.started))
        parent = f"  (resumed from {s.parent})" if s.parent else ""
        print(f"{s.id:<42} {s.pipeline:<24} {s.status:<10} {took:>10}  {when}{parent}")


@dorc_task(
    help={
        "run": "a run id from 'invoke runs' (default: the latest run)",
        "output": "the HTML file to write (default: .dorc/reports/<run-id>.html)",
        "pipeline": "with --execution: the deployed pipeline",
        "layer": "with --execution: its layer (needed only when the name is in several layers)",
        "env": "with --execution: the environment it is deployed to",
        "execution": "report this deployed execution (by name) from its Step Functions history",
    },
)
def report(c, run=None, output=None, pipeline=None, layer=None, env=None, execution=None):
    """Write one self-contained HTML page of a run: graph by outcome, details, timeline, estimated cost.

    The run is a flag, not an optional positional argument: invoke has no optional positionals.

    Example: invoke report --output census-run.html
    """
    from ..project import Project
    from ..report.pages import REPORTS_FOLDER, write_report
    from ..runs.store import RunStore

    project = Project.find()
    if execution or pipeline:
        target = _deployed_report(pipeline, layer, env, execution, output)
    else:
        store = RunStore(project.root)
        if run is None:
            latest = store.latest()
            if latest is None:
                raise DorcError("There are no local runs to report on.", "run a pipeline first: invoke run PIPELINE")
            run = latest.id
        store.load(run)  # a clear error for an unknown id
        target = write_report(store, run, Path(output) if output else project.root / REPORTS_FOLDER / f"{run}.html")
    print(f"Wrote {os.path.relpath(target)}")


def _deployed_report(pipeline, layer, env, execution, output) -> Path:  # noqa: ANN001
    from ..operate.aws import AwsClients
    from ..operate.target import account_id
    from ..project import load_definition
    from ..report.deployed import execution_record
    from ..report.html import render_report
    from ..report.pages import REPORTS_FOLDER
    from ..report.view import build_view
    from .operate import _target

    if not pipeline or not execution:
        raise DorcError("A deployed execution's report needs both --pipeline and --execution.",
                        "invoke report --pipeline PIPELINE --env ENV --execution NAME")
    project, target = _target(pipeline, layer, env)
    definition = load_definition(project.pipeline_dir(target.layer, target.pipeline), project)
    functions = {f.name: {"memory_mb": f.memory_mb, "architecture": f.architecture} for f in definition.functions}
    triggers = [t.expression for t in definition.triggers if getattr(t, "enabled", False)]
    clients = AwsClients.for_region(target.region)
    record, asl = execution_record(clients.sfn, target, account_id(clients, target.expected_account), execution,
                                   functions, triggers)
    path = Path(output) if output else project.root / REPORTS_FOLDER / f"{target.pipeline}-{execution}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    note = "A deployed execution, from its Step Functions history (Lambda durations estimated from the states')."
    path.write_text(render_report(build_view(record, asl), payload_note=note), encoding="utf-8")
    return path


@dorc_task(help={"port": "the port on 127.0.0.1 (default: a free one)"})
def ui(c, port=0):
    """Browse local runs and their reports at http://127.0.0.1:<port>/ (read-only; Ctrl-C stops).

    Example: invoke ui --port 8765
    """
    from ..project import Project
    from ..report.server import serve

    serve(Project.find().root, int(port), lambda text: print(text, flush=True))


TASKS = [runs, report, ui]
