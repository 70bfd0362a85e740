"""What the `invoke run` process itself loads: only what the run uses, compiled once.

Once the embedded AWS and the environments' fork servers are warm, the run's own process is the
critical path of a local run (docs/local-runs.md, "What a run costs"), so every module it imports
is paid on every run. These tests run `invoke run` as a user does, in a project that vendors its
own copy of dorc_runtime (as a generated project does), and read what the process imported from
Python's ``-X importtime`` report (https://docs.python.org/3/using/cmdline.html#cmdoption-X).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.projects import ECHO_HANDLER, write_pipeline, write_settings

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow

# What a run of a pipeline whose code uses no AWS SDK must not import, and which task needs it instead.
NOT_ON_THE_RUN_PATH = {
    "boto3": "handlers use it in their own sandboxes; the run process itself calls no AWS",
    "botocore": "as boto3",
    "moto": "the embedded AWS's server process (started only for code that uses an SDK)",
    "werkzeug": "as moto",
    "pulumi": "plan and deploy",
    "pulumi_aws": "plan and deploy",
    "docker": "deploy's publish stage",
    "rich": "plan, deploy, operate and update output",
    "libcst": "scaffolding (add-function, add-pipeline) and update",
    "cookiecutter": "scaffolding and update",
    "jinja2": "scaffolding, update and reports",
    "pydantic_settings": "not needed to run",
    "aws_croniter": "cron triggers' next runs (invoke schedules, reports)",
    "aws_cron_expression_validator": "cron triggers' validation, for pipelines that have one",
    "jsonschema": "submissions' manifest checks",
    "http.server": "invoke ui / report serving",
    "dorc_runtime.deploy.automation": "plan and deploy",
    "dorc_runtime.deploy.components": "plan and deploy",
    "dorc_runtime.deploy.publish": "deploy",
    "dorc_runtime.report": "invoke report / ui",
    "dorc_runtime.submissions": "the submission tasks",
    "dorc_runtime.scaffold": "the scaffolding tasks",
    "dorc_runtime.update": "invoke update",
    "dorc_runtime.operate": "the tasks that talk to a deployed environment",
}
# Imported by Invoke's own collection loading, before dorc's code can choose anything.
BEFORE_DORC_CHOOSES = {"dorc_runtime", "dorc_runtime.errors", "dorc_runtime.tasks", "dorc_runtime.tasks.process"}
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)$", re.MULTILINE)


def _vendored_project(root: Path) -> Path:
    """A config repository with a copy of dorc_runtime in it and no .pyc files yet."""
    write_settings(root, "startup")
    (root / "tasks.py").write_text("from dorc_runtime.tasks import namespace  # noqa: F401\n")
    shutil.copytree(REPO / "dorc_runtime", root / "dorc_runtime", ignore=shutil.ignore_patterns("__pycache__"))
    write_pipeline(root, "raw", "plain", 'Function(name="first", next_function="second"), Function(name="second")',
                   {"first": ECHO_HANDLER, "second": ECHO_HANDLER})
    return root


def _invoke(root: Path, *args: str, write_bytecode: bool = True) -> subprocess.CompletedProcess[str]:
    # the project's own dorc_runtime (no PYTHONPATH), no AWS settings from this shell; the
    # interpreter's own bytecode setting as the test asks (this suite may run with it off)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "invoke", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=110)


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One `invoke run` of a two-function pipeline whose code uses no AWS SDK: (project, the
    modules the run process imported, in order)."""
    root = _vendored_project(tmp_path_factory.mktemp("startup") / "project")
    done = _invoke(root, "run", "plain", "--layer", "raw")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCEEDED" in done.stdout
    return root, IMPORTED.findall(done.stderr)


def test_the_run_imports_nothing_that_only_other_tasks_use(plain_run):
    root, imported = plain_run
    assert "dorc_runtime.local.interpreter.runner" in imported  # the report is the run's
    loaded = {name: why for name, why in NOT_ON_THE_RUN_PATH.items()
              if any(m == name or m.startswith(f"{name}.") for m in imported)}
    assert loaded == {}


def test_every_dorc_module_the_run_imports_is_compiled_once(plain_run):
    """Invoke turns off writing .pyc files for its whole process; dorc's runtime turns the
    interpreter's own setting back on, so the next run reads bytecode instead of compiling."""
    root, imported = plain_run
    ours = [m for m in imported if m.startswith("dorc_runtime") and m not in BEFORE_DORC_CHOOSES]
    assert len(ours) > 30
    sources = {m: _source(root, m) for m in ours}
    namespace_packages = [m for m, path in sources.items() if not path.is_file()]  # no code to compile
    assert all(root.joinpath(*m.split(".")).is_dir() for m in namespace_packages)
    not_compiled = [m for m, path in sources.items()
                    if path.is_file() and not Path(importlib.util.cache_from_source(str(path))).is_file()]
    assert not_compiled == []


def test_no_bytecode_is_written_when_the_interpreter_is_told_not_to(tmp_path: Path):
    root = _vendored_project(tmp_path / "project")
    listed = _invoke(root, "--list", write_bytecode=False)
    assert listed.returncode == 0, listed.stderr
    assert "  run " in listed.stdout
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("__pycache__")) == []
    assert _invoke(root, "--list").returncode == 0
    assert (root / "dorc_runtime" / "tasks" / "__pycache__").is_dir()


def _source(root: Path, module: str) -> Path:
    path = root.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
