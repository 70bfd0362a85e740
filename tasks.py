"""Developer tasks for the dorc template repository: test, lint, bake, demo.

Run them with the repository's virtual environment, e.g. ``.venv/bin/invoke test``.
"""

from __future__ import annotations

import sys

from invoke import task


@task(help={"args": "extra arguments for pytest, e.g. -k census", "workers": "parallel workers (xdist)"})
def test(c, args="", workers="auto"):
    """Run the whole test suite (the same command CI runs)."""
    c.run(f"{sys.executable} -m pytest -n {workers} {args}", pty=False)


@task
def lint(c):
    """Lint dorc_runtime, hooks, tests and benchmarks with ruff."""
    c.run(f"{sys.executable} -m ruff check .")
