"""Developer tasks for the dorc template repository: test, lint, bake, demo.

Run them with the repository's virtual environment, e.g. ``.venv/bin/invoke demo``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
DEMO_DIR = ROOT / "demo"
DEMO_MARKER = ".made-by-invoke-demo"


def _invoke_in(c, project: Path, command: str, warn: bool = False):
    """Run a task of a generated project with this environment's Python (no second venv)."""
    with c.cd(str(project)):
        return c.run(f"{sys.executable} -m invoke {command}", pty=False, warn=warn)


def _needs_services() -> bool:
    """The docker and browser tests need a Docker engine, a registry and Chromium: as root on a
    Debian machine without a DOCKER_HOST, `invoke test` starts them itself (.ci/docker-up,
    .ci/browser-up) and stops the engine at the end, so the suite is whole on a fresh machine."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None and not os.environ.get("DOCKER_HOST")


@task(help={"args": "extra arguments for pytest, e.g. -k census", "workers": "parallel workers (xdist)"})
def test(c, args="", workers="auto"):
    """Run the whole test suite (the same command CI runs)."""
    pytest = f"{sys.executable} -m pytest -n {workers} {args}"
    if not _needs_services():
        c.run(pytest, pty=False)
        return
    script = f"set -euo pipefail; .ci/browser-up; trap .ci/docker-down EXIT; source .ci/docker-up; {pytest}"
    with c.cd(str(ROOT)):
        c.run(f"bash -c {shlex.quote(script)}", pty=False)


@task
def lint(c):
    """Lint dorc_runtime, hooks, tests and benchmarks with ruff."""
    c.run(f"{sys.executable} -m ruff check dorc_runtime hooks tests benchmarks tasks.py")


@task(
    help={
        "output_dir": "where to bake (default: ./demo)",
        "extra": "answers as JSON, e.g. '{\"layers\": \"default\"}'",
    }
)
def bake(c, output_dir=str(DEMO_DIR), extra="{}"):
    """Bake a project from this template with default answers (cookiecutter's Python API)."""
    from cookiecutter.main import cookiecutter

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    project = cookiecutter(str(ROOT), no_input=True, output_dir=str(out), extra_context=json.loads(extra))
    print(f"Baked {project}")
    return Path(project)


@task
def demo(c):
    """Bake a demo project into ./demo and run its census pipelines locally (raw, then processed)."""
    if DEMO_DIR.exists():
        if not (DEMO_DIR / DEMO_MARKER).exists():
            raise Exit(f"Error: {DEMO_DIR} exists and was not made by 'invoke demo'. Fix: move it away.", 1)
        shutil.rmtree(DEMO_DIR)  # only ever our own earlier demo
    DEMO_DIR.mkdir()
    (DEMO_DIR / DEMO_MARKER).write_text("this folder is recreated by 'invoke demo'\n")
    project = bake(c, output_dir=str(DEMO_DIR))
    print("\n== invoke list")
    _invoke_in(c, project, "list")
    print("\n== invoke validate")
    _invoke_in(c, project, "validate")
    print("\n== invoke run census --layer raw")
    _invoke_in(c, project, "run census --layer raw")
    print("\n== invoke run census --layer processed")
    _invoke_in(c, project, "run census --layer processed")
    curated = sorted((project / ".dorc" / "local" / "s3").glob("*/census/curated/*"))
    shown = project.relative_to(Path.cwd()) if project.is_relative_to(Path.cwd()) else project
    print(f"\nDemo project: {shown}")
    for result in curated:
        print(f"Result (the holding store, kept on disk): {result.relative_to(project)}")
    print(f"Next: cd {shown} and read its README.md")
