"""Every command block in the READMEs and docs/ runs as written, in a freshly baked project.

A command block is a fenced block without a language whose first word is a command (``invoke``,
``tar``, ...). One that needs what the suite cannot have (AWS, the Pulumi CLI, a network
install) says so on the line before it, with the reason::

    <!-- docs-test: skip needs AWS credentials -->

Each block runs with bash (``set -e``) in its own copy of the default bake, ``invoke`` being this
interpreter's ``python -m invoke``; comments are bash comments.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATED_README = "{{cookiecutter.project_slug}}/README.md"
DOCS = ["README.md", *sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "docs").glob("*.md")), GENERATED_README]
COMMANDS = {"invoke", "tar", "cd", "python3", "pip", "cookiecutter", "aws", ".venv/bin/invoke", ".venv/bin/pytest"}
SKIP = re.compile(r"^<!-- docs-test: skip (?P<reason>\S.*?) -->$")
FENCE = re.compile(r"^```(?P<lang>\S*)\s*$")


@dataclass(frozen=True)
class Block:
    doc: str
    line: int  # of the opening fence, 1-based
    text: str
    skip: str | None  # the reason, when annotated

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def command_blocks(doc: str, text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        body = lines[index + 1 : end]
        first = next((line.split()[0] for line in body if line.strip()), "")
        if not fence["lang"] and first in COMMANDS:
            previous = SKIP.match(lines[index - 1]) if index else None
            blocks.append(Block(doc, index + 1, "\n".join(body) + "\n", previous["reason"] if previous else None))
        index = end + 1
    return blocks


def _all_blocks() -> list[Block]:
    return [b for doc in DOCS for b in command_blocks(doc, (REPO_ROOT / doc).read_text(encoding="utf-8"))]


RUNNABLE = [b for b in _all_blocks() if b.skip is None]


def test_the_extraction_finds_commands_and_skips():
    sample = (
        "text\n```\ninvoke list\n```\n"
        "<!-- docs-test: skip needs AWS -->\n```\ninvoke deploy --env prod\n```\n"
        "```python\nimport os\n```\n```\npipeline-config/\n```\n"
    )
    assert command_blocks("x.md", sample) == [
        Block("x.md", 2, "invoke list\n", None),
        Block("x.md", 6, "invoke deploy --env prod\n", "needs AWS"),
    ]


def test_docs_have_runnable_blocks_and_every_skip_says_why():
    blocks = _all_blocks()
    assert len(RUNNABLE) >= 8
    assert {b.doc for b in RUNNABLE} >= {"README.md", "docs/local-runs.md", GENERATED_README}
    assert all(b.skip and len(b.skip) > 10 for b in blocks if b not in RUNNABLE)


def _bash_script(block: Block) -> str:
    # 'invoke' as the user's shell would find it in the project's virtual environment
    return f'set -euo pipefail\ninvoke() {{ "{sys.executable}" -m invoke "$@"; }}\n{block.text}'


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_command_block_runs_as_written(block: Block, baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    if block.doc == GENERATED_README:  # the rendered one, as the user reads it
        rendered = command_blocks(block.doc, (project / "README.md").read_text(encoding="utf-8"))
        block = next(b for b in rendered if b.text.split()[:2] == block.text.split()[:2])
    result = subprocess.run(
        ["bash", "-c", _bash_script(block)], cwd=project, capture_output=True, text=True, timeout=840,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{block.id}\n{block.text}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
