"""Check every answer before cookiecutter writes the project: one line (rule + fix), exit 1.

The rules are dorc_runtime's own (names.py), imported from the template being baked, so the
template, the models and the scaffolding tasks can never disagree.
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
