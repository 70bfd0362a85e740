"""Shared by the template's hooks: load dorc's rules without its dependencies, check answers,
finish the project.

The hooks run with the Python that runs cookiecutter, which may lack pydantic and the rest of
dorc's dependencies, so runtime modules are imported from the template's ``dorc_runtime`` under
a bare package whose ``__init__`` (which imports the models) is never run. The modules used here
(names, errors, naming, scaffold.files/bake/writer) need only the standard library. Each hook
is a separate Python process on every bake, so imports are kept to what that hook needs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
import unicodedata
from pathlib import Path

RUNTIME = "dorc_runtime"
EXAMPLES = "_examples"


def runtime_module(runtime_dir: Path, name: str) -> types.ModuleType:
    """``dorc_runtime.<name>`` imported from ``runtime_dir`` without running its ``__init__``."""
    if RUNTIME not in sys.modules:
        package = types.ModuleType(RUNTIME)
        package.__path__ = [str(runtime_dir)]
        sys.modules[RUNTIME] = package
    return importlib.import_module(f"{RUNTIME}.{name}")


def answers_of(context: dict[str, object]) -> dict[str, object]:
    """The user's answers: cookiecutter's private keys (``_template``, ``_repo_dir``...) left out."""
    return {key: value for key, value in context.items() if not key.startswith("_")}


def check_answers(context: dict[str, object], repo_dir: Path) -> None:
    """Raise the runtime's ``InvalidNameError`` for the first answer that breaks a rule."""
    names = runtime_module(repo_dir / RUNTIME, "names")
    errors = runtime_module(repo_dir / RUNTIME, "errors")
    choices = json.loads((repo_dir / "cookiecutter.json").read_text(encoding="utf-8"))

    def fail(answer: str, message: str, fix: str) -> None:
        raise errors.InvalidNameError(f"{answer}: {message}", fix)

    def checked(answer: str, check, *args) -> None:  # noqa: ANN001
        try:
            check(*args)
        except errors.InvalidNameError as error:
            raise errors.InvalidNameError(f"{answer}: {error.message}", error.fix) from None

    if not str(context["project_name"]).strip():
        fail("project_name", "The project name is empty.", "give a name such as 'Pipeline Config'")
    for answer in ("project_name", "description"):
        # one line: a newline or other control character breaks the README title and pyproject.toml
        if any(unicodedata.category(char) == "Cc" for char in str(context[answer])):
            fail(answer, "The answer has a line break or another control character.", "give one line of text")
    checked("project_slug", names.check_slug, context["project_slug"])
    checked("aws_region", names.check_region, context["aws_region"])
    checked("aws_account_id", names.check_account, context["aws_account_id"])
    for answer, kind in (("environments", "environment"), ("layers", "layer")):
        items = [item.strip() for item in str(context[answer]).split(",")]
        if not any(items):
            fail(answer, f"No {kind} given.", f"give a comma-separated list, e.g. {choices[answer]!r}")
        for item in items:
            if kind == "environment":
                checked(answer, names.check_environment, item)
            else:
                checked(answer, names.check_name, kind, item)
        duplicates = sorted({item for item in items if items.count(item) > 1})
        if duplicates:
            fail(answer, f"The {kind} {duplicates[0]!r} is listed twice.", "list each name once")
    for answer in ("python_version", "include_example"):
        if context[answer] not in choices[answer]:
            fail(answer, f"{context[answer]!r} is not offered.", f"choose one of {choices[answer]}")


def vendor_runtime(repo_dir: Path, project_dir: Path) -> None:
    """Copy the runtime into the project byte for byte (it never passes through Jinja): one walk,
    caches left out, contents only (no metadata calls per file; creating ~100 files is the cost)."""
    source, target = str(repo_dir / RUNTIME), str(project_dir / RUNTIME)
    for top, dirs, names in os.walk(source):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        out = os.path.join(target, os.path.relpath(top, source))
        os.makedirs(out)
        for name in names:
            if not name.endswith(".pyc"):
                with open(os.path.join(top, name), "rb") as file:
                    data = file.read()
                with open(os.path.join(out, name), "wb") as file:
                    file.write(data)


def template_source(context: dict[str, object]) -> str:
    """Where the template came from: a URL as given, a local path made absolute."""
    template = str(context.get("_template") or "")
    path = Path(template).expanduser()
    return str(path.resolve()) if template and path.is_dir() else template


def _git(repo_dir: Path, *args: str) -> str | None:
    import subprocess

    try:
        result = subprocess.run(["git", "-C", str(repo_dir), *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


def template_commit(repo_dir: Path) -> str | None:
    """The template's git commit: what ``invoke update`` re-renders as the project's base."""
    if not (repo_dir / ".git").exists():
        return None
    return _git(repo_dir, "rev-parse", "HEAD") or None


def template_dirty(repo_dir: Path) -> bool:
    """Whether the template had uncommitted changes: the commit then does not render this project."""
    return (repo_dir / ".git").exists() and bool(_git(repo_dir, "status", "--porcelain", "--untracked-files=no"))


def runtime_version(repo_dir: Path) -> str:
    import re

    text = (repo_dir / RUNTIME / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else "unknown"


def examples_folder(context: dict[str, object], project_dir: Path, sources: tuple[str, ...]) -> Path | None:
    """The rendered ``_examples`` when the user wants the examples and the template has them."""
    if context["include_example"] != "yes":
        return None
    examples = project_dir / EXAMPLES
    if all((examples / source / "__main__.py").is_file() for source in sources):
        return examples
    print("Note: this template has no example pipelines; none were added.", file=sys.stderr)
    return None


def next_steps(project_dir: Path) -> str:
    name = project_dir.name
    return (
        f"\nCreated {name} in {project_dir}\n\n"
        "Next steps:\n"
        f"  cd {name}\n"
        "  python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt -e .\n"
        "  invoke list\n"
        "  invoke validate\n"
        "  invoke test\n"
        "README.md explains every task.\n"
    )


def finish(context: dict[str, object], repo_dir: Path, project_dir: Path) -> int:
    """The post-generation hook: vendor the runtime, apply the bake plan, drop ``_examples``.

    The bake modules are imported from the template (the same bytes as the vendored copy, whose
    bytecode the template already has), so nothing is compiled or cached inside the new project.
    """
    import shutil

    vendor_runtime(repo_dir, project_dir)
    runtime = repo_dir / RUNTIME
    bake = runtime_module(runtime, "scaffold.bake")
    writer = runtime_module(runtime, "scaffold.writer")
    record = bake.record(
        template=template_source(context),
        checkout=context.get("_checkout"),
        commit=template_commit(repo_dir),
        dirty=template_dirty(repo_dir),
        version=runtime_version(repo_dir),
        answers=answers_of(context),
    )
    try:
        examples = examples_folder(context, project_dir, bake.EXAMPLE_SOURCES)
        writer.apply(project_dir, bake.bake_plan(context, examples, record))
    finally:
        shutil.rmtree(project_dir / EXAMPLES, ignore_errors=True)
    print(next_steps(project_dir))
    return 0
