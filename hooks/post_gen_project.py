"""Finish the rendered project: vendor dorc_runtime, add layers, stacks and the examples.

Runs inside the new project. The runtime is copied unchanged from the template; everything
else is planned by dorc_runtime.scaffold.bake and written by the same writer that the
``invoke new-*`` tasks use.
"""

import json
import shutil
import sys
from pathlib import Path

CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")
REPO_DIR = Path(CONTEXT["_repo_dir"]).resolve()
PROJECT_DIR = Path.cwd()
EXAMPLES_DIR = PROJECT_DIR / "_examples"
sys.path.insert(0, str(REPO_DIR / "hooks"))

import dorc_hook  # noqa: E402


def examples_folder(bake) -> Path | None:  # noqa: ANN001
    if CONTEXT["include_example"] != "yes":
        return None
    if all((EXAMPLES_DIR / source / "__main__.py").is_file() for source in bake.EXAMPLE_SOURCES):
        return EXAMPLES_DIR
    print("Note: this template has no example pipelines; none were added.", file=sys.stderr)
    return None


def next_steps() -> str:
    name = PROJECT_DIR.name
    return (
        f"\nCreated {name} in {PROJECT_DIR}\n\n"
        "Next steps:\n"
        f"  cd {name}\n"
        "  python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt -e .\n"
        "  invoke list\n"
        "  invoke validate\n"
        "  invoke test\n"
        "README.md explains every task.\n"
    )


def main() -> int:
    dorc_hook.vendor_runtime(REPO_DIR, PROJECT_DIR)
    runtime = PROJECT_DIR / dorc_hook.RUNTIME
    bake = dorc_hook.runtime_module(runtime, "scaffold.bake")
    writer = dorc_hook.runtime_module(runtime, "scaffold.writer")
    record = bake.record(
        template=dorc_hook.template_source(CONTEXT),
        checkout=CONTEXT.get("_checkout"),
        commit=dorc_hook.template_commit(REPO_DIR),
        version=dorc_hook.runtime_version(REPO_DIR),
        answers=dorc_hook.answers_of(CONTEXT),
    )
    try:
        writer.apply(PROJECT_DIR, bake.bake_plan(CONTEXT, examples_folder(bake), record))
    finally:
        shutil.rmtree(EXAMPLES_DIR, ignore_errors=True)
    print(next_steps())
    return 0


if __name__ == "__main__":
    sys.exit(main())
