"""Finish the rendered project: vendor dorc_runtime, add layers, stacks, routes and the examples.

Runs inside the new project. The runtime is copied unchanged from the template; everything
else is planned by dorc_runtime.scaffold.bake and written by the same writer that the
``invoke new-*`` tasks use (``dorc_hook.finish``). This file is rendered by Jinja on every
bake, so it stays this small.
"""

import json
import sys
from pathlib import Path

CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")
REPO_DIR = Path(CONTEXT["_repo_dir"]).resolve()
sys.path.insert(0, str(REPO_DIR / "hooks"))

import dorc_hook  # noqa: E402

if __name__ == "__main__":
    sys.exit(dorc_hook.finish(CONTEXT, REPO_DIR, Path.cwd()))
