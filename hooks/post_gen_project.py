"""Finish the rendered project: vendor dorc_runtime, add layers, stacks, routes and the examples.

Runs inside the new project. The runtime is copied unchanged from the template; everything
else is planned by dorc_runtime.scaffold.bake and written by the same writer that the
``invoke new-*`` tasks use (``dorc_hook.finish``). This file is rendered by Jinja on every
bake, so it stays this small.
"""

import json
import os
import sys
from pathlib import Path

CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")


def _repo_dir(context: dict) -> Path:
    """The template folder. cookiecutter passes ``_repo_dir`` as the user typed it (e.g.
    ``cookiecutter ./dorc``) but runs hooks inside the new project, so a relative path is
    resolved against the shell's ``PWD``, else against cookiecutter's own working folder, which
    is the template folder while hooks run (Linux ``/proc``). Inline in both hooks: nothing can
    be imported from the template before this is known."""
    repo = Path(str(context["_repo_dir"]))
    if repo.is_absolute():
        return repo
    candidates = [Path(os.environ["PWD"]) / repo] if os.environ.get("PWD") else []
    candidates.append(Path(f"/proc/{os.getppid()}/cwd"))
    for candidate in candidates:
        if (candidate / "cookiecutter.json").is_file():
            return candidate.resolve()
    sys.exit(f"Error: cannot find the template folder {repo}. Fix: give cookiecutter its absolute path.")


REPO_DIR = _repo_dir(CONTEXT)
sys.path.insert(0, str(REPO_DIR / "hooks"))

import dorc_hook  # noqa: E402

if __name__ == "__main__":
    sys.exit(dorc_hook.finish(CONTEXT, REPO_DIR, Path.cwd()))
