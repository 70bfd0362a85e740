"""Where local runs are kept: ``.dorc/runs/<run-id>/`` with ``run.json`` (the record), beside it
``summary.json`` (the few fields a list of runs needs), the ``definition.json`` that ran and
``payloads/``. One format, read by ``invoke runs``, ``invoke report``, ``invoke ui`` and ``invoke
run --resume``.

Old runs are pruned to a count: explicit argument > ``DORC_RUNS_KEEP`` > :data:`DEFAULT_KEEP`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DorcError

RUNS_FOLDER = Path(".dorc") / "runs"
RECORD = "run.json"
# What listing and pruning read: every run ends by pruning the others, and a record holds up to
# 20,000 state runs (megabytes), so reading 50 records would cost every run seconds.
SUMMARY = "summary.json"
SUMMARY_FIELDS = ("id", "pipeline", "status", "started", "stopped", "parent")
DEFINITION = "definition.json"
FORMAT = 1
DEFAULT_KEEP = 50
KEEP_VARIABLE = "DORC_RUNS_KEEP"


def keep_count(explicit: int | None = None) -> int:
    if explicit is not None:
        return explicit
    raw = os.environ.get(KEEP_VARIABLE)
    if raw is None:
        return DEFAULT_KEEP
    if not raw.isdigit() or int(raw) < 1:
        raise DorcError(f"{KEEP_VARIABLE}={raw!r} is not a positive whole number of runs to keep.",
                        f"set {KEEP_VARIABLE} to e.g. {DEFAULT_KEEP}, or unset it")
    return int(raw)


def write_json(path: Path, value: Any) -> None:
    """Write atomically, so a reader (``invoke ui`` during a run) never sees half a file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(value, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(partial, path)


def write_record(folder: Path, record: dict[str, Any]) -> None:
    """The record, then its summary (each atomically)."""
    write_json(folder / RECORD, record)
    write_json(folder / SUMMARY, {name: record.get(name) for name in SUMMARY_FIELDS})


@dataclass(frozen=True)
class RunSummary:
    """One line of ``invoke runs``."""

    id: str
    pipeline: str
    status: str
    started: float
    stopped: float | None
    parent: str | None

    @property
    def duration(self) -> float | None:
        return None if self.stopped is None else self.stopped - self.started


class RunStore:
    def __init__(self, project_root: Path) -> None:
        self.root = project_root / RUNS_FOLDER

    def new_id(self, pipeline: str, now: float | None = None) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
        return f"{stamp}-{pipeline}-{secrets.token_hex(3)}"

    def folder(self, run_id: str) -> Path:
        return self.root / run_id

    def create(self, run_id: str) -> Path:
        folder = self.folder(run_id)
        folder.mkdir(parents=True)
        return folder

    def load(self, run_id: str) -> dict[str, Any]:
        path = self.folder(run_id) / RECORD
        if "/" in run_id or run_id.startswith(".") or not path.is_file():
            known = ", ".join(s.id for s in self.summaries()[:5]) or "none yet"
            raise DorcError(f"There is no local run {run_id!r} in {RUNS_FOLDER}/.",
                            f"pick one from 'invoke runs' (latest: {known})")
        return json.loads(path.read_text(encoding="utf-8"))

    def definition(self, run_id: str) -> dict[str, Any]:
        return json.loads((self.folder(run_id) / DEFINITION).read_text(encoding="utf-8"))

    def summaries(self) -> list[RunSummary]:
        """Every recorded run, newest first (unreadable folders are skipped: a run being pruned)."""
        out: list[RunSummary] = []
        if not self.root.is_dir():
            return out
        for folder in self.root.iterdir():
            try:
                record = json.loads(_summary_file(folder).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append(RunSummary(record["id"], record["pipeline"], record["status"], record["started"],
                                  record.get("stopped"), record.get("parent")))
        return sorted(out, key=lambda s: (s.started, s.id), reverse=True)

    def latest(self, pipeline: str | None = None, status: str | None = None) -> RunSummary | None:
        for summary in self.summaries():
            if (pipeline is None or summary.pipeline == pipeline) and (status is None or summary.status == status):
                return summary
        return None

    def prune(self, keep: int, protect: str | None = None) -> list[str]:
        """Delete all but the ``keep`` newest runs (never ``protect``); return the ids deleted. A run
        still marked RUNNING that old is one whose process was killed."""
        deleted = []
        for summary in self.summaries()[keep:]:
            if summary.id != protect:
                shutil.rmtree(self.folder(summary.id), ignore_errors=True)
                deleted.append(summary.id)
        return deleted


def _summary_file(folder: Path) -> Path:
    """A run's summary; a run recorded before summaries existed has only its record."""
    summary = folder / SUMMARY
    return summary if summary.is_file() else folder / RECORD
