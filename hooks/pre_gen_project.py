"""Check every answer before cookiecutter writes the project: one line (rule + fix), exit 1.

The rules are dorc_runtime's own (names.py), imported from the template being baked, so the
template, the models and the scaffolding tasks can never disagree.
"""

import json
import sys
from pathlib import Path

CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")
REPO_DIR = Path(CONTEXT["_repo_dir"]).resolve()
sys.path.insert(0, str(REPO_DIR / "hooks"))

import dorc_hook  # noqa: E402


def main() -> int:
    errors = dorc_hook.runtime_module(REPO_DIR / dorc_hook.RUNTIME, "errors")
    try:
        dorc_hook.check_answers(CONTEXT, REPO_DIR)
    except errors.DorcError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
