"""The template folder itself: cookiecutter renders with Jinja only the files that need it.

Rendering costs a Jinja compile per file on every bake; ``_copy_without_render`` in
``cookiecutter.json`` lists the files and folders copied as they are. A file listed there must
hold no Jinja (it would be left unrendered), and a file with none should be listed.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path, PurePosixPath

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "{{cookiecutter.project_slug}}"
JINJA = ("{{", "{%", "{#")


def _copied(rel: str, patterns: list[str]) -> bool:
    """As cookiecutter decides: a folder matching a pattern is copied whole, else each file is tested."""
    parts = PurePosixPath(rel).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates for pattern in patterns)


def test_copy_without_render_lists_exactly_the_files_without_jinja() -> None:
    patterns = json.loads((REPO_ROOT / "cookiecutter.json").read_text())["_copy_without_render"]
    listed_with_jinja, rendered_without_jinja = [], []
    for path in sorted(TEMPLATE.rglob("*")):
        rel = path.relative_to(TEMPLATE).as_posix()
        if not path.is_file() or "__pycache__" in path.parts or rel.startswith("_examples/"):
            continue
        has_jinja = any(marker in path.read_text(encoding="utf-8") for marker in JINJA)
        if _copied(rel, patterns) and has_jinja:
            listed_with_jinja.append(rel)
        if not _copied(rel, patterns) and not has_jinja:
            rendered_without_jinja.append(rel)
    assert listed_with_jinja == [], "these hold Jinja: take them out of _copy_without_render"
    assert rendered_without_jinja == [], "these need no Jinja: add them to _copy_without_render"


def test_examples_are_copied_as_they_are() -> None:
    patterns = json.loads((REPO_ROOT / "cookiecutter.json").read_text())["_copy_without_render"]
    assert _copied("_examples/census_raw/src/fetch/lambda.py", patterns)
