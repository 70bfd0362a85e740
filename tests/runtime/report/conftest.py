"""Recorded runs to report on: the local runner's project builder and a failed Map run."""

from __future__ import annotations

import json

import pytest
from invoke import Context
from invoke.exceptions import Exit

from dorc_runtime.runs.store import RunStore
from dorc_runtime.tasks.local import run
from tests.runtime.local.conftest import ProjectBuilder, project  # noqa: F401 - the fixture, reused
from tests.runtime.runs.pipelines import map_pipeline


@pytest.fixture
def failed_map_run(project, tmp_path):  # noqa: F811 - the fixture above
    """A run of raw/fanout whose item 2 failed; returns (project, run id)."""
    map_pipeline(project)
    (tmp_path / "broken-each2").touch()
    with pytest.raises(Exit):
        run(Context(), "fanout", event=json.dumps({"log": str(tmp_path / "calls.log")}))
    return project, RunStore(project.root).latest().id
