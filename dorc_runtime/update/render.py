"""Render the template at one version with the saved answers (cookiecutter's Python API).

The template's own hooks run too, so a render is exactly what a bake at that version produced:
the vendored runtime, layers, stack files, routes, the examples and the record. cookiecutter checks
a version out only from a repository URL, so a local template that is a git repository is given
as ``git+file://``; its clone goes to a scratch folder, never the user's ``~/.cookiecutters``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UpdateError
from ..scaffold.bake import RECORD, read_tree


@contextmanager
def hooks_output_captured() -> Iterator[list[str]]:
    """The template's hooks run as subprocesses and print a bake's next steps: keep them out of
    the update's output (file descriptors 1 and 2, since they are other processes); the text is
    handed back for an error message."""
    captured: list[str] = []
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            captured.append(sink.read().decode(errors="replace"))


@dataclass(frozen=True)
class Render:
    files: dict[str, bytes]
    commit: str | None
    version: str


def recorded_source(template: str) -> str:
    """What ``.dorc-template.json`` keeps: a URL as given, a local folder made absolute (as the hook does)."""
    path = Path(template).expanduser()
    return str(path.resolve()) if path.is_dir() else template


def cookiecutter_source(template: str) -> str:
    """The template argument for cookiecutter that lets it check out a version."""
    path = Path(template).expanduser()
    if path.is_dir():
        if (path / ".git").exists():
            return f"git+file://{path.resolve()}"
        return str(path.resolve())
    if template.startswith("file://"):
        return f"git+{template}"  # cookiecutter guesses git from 'git' in the URL; say it
    return template


def render(template: str, ref: str | None, answers: Mapping[str, Any], scratch: Path) -> Render:
    """The project the template makes at ``ref`` (None: its default branch) with ``answers``."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.main import cookiecutter

    source = cookiecutter_source(template)
    if ref and not source.startswith(
        ("git+", "hg+", "https:", "http:", "git@", "ssh:", "file:", "gh:", "gl:", "bb:")
    ):
        raise UpdateError(
            f"The template {template} is a folder outside git, so its version {ref} cannot be rendered.",
            "pass --template with a git checkout or URL of dorc",
        )
    scratch.mkdir(parents=True, exist_ok=True)
    config = {"cookiecutters_dir": str(scratch / "clones"), "replay_dir": str(scratch / "replay")}
    problem = None
    with hooks_output_captured() as hook_output:
        try:
            project = cookiecutter(
                source,
                checkout=ref,
                no_input=True,
                extra_context=dict(answers),
                output_dir=str(scratch / "out"),
                default_config=config,
            )
        except (CookiecutterException, OSError, ValueError, subprocess.CalledProcessError) as exc:
            problem = str(exc)
        # cookiecutter exits when a hook refuses (e.g. an answer the new template no longer accepts)
        except SystemExit as exc:
            problem = f"a hook refused: {exc}"
    if problem is not None:
        where = f"{template} at {ref}" if ref else template
        detail = " ".join(hook_output[0].split()[-40:]) if hook_output and hook_output[0].strip() else ""
        raise UpdateError(
            f"Cannot render the template {where}: {problem}" + (f" ({detail})" if detail else ""),
            f"check --template and --ref, and the answers in {RECORD}",
        )
    files = read_tree(Path(project))
    record = json.loads(files[RECORD])
    return Render(files, record.get("commit"), str(record.get("dorc_runtime_version", "unknown")))
