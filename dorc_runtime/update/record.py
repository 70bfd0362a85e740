"""The project's ``.dorc-template.json``: which template, at which commit, with which answers.

Written by the template's post-generation hook (:func:`dorc_runtime.scaffold.bake.record`) and
rewritten by ``invoke update`` once an update applied completely.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UpdateError
from ..scaffold.bake import RECORD


@dataclass(frozen=True)
class TemplateRecord:
    template: str
    checkout: str | None
    commit: str | None
    version: str
    answers: dict[str, Any]
    dirty: bool = False

    @property
    def base_ref(self) -> str | None:
        """The template version the project was made from: its commit, else the ref it was checked out at."""
        return self.commit or self.checkout


def read_record(root: Path) -> TemplateRecord:
    path = root / RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UpdateError(
            f"{RECORD} is missing, so dorc does not know which template made this project.",
            "restore it from git (it is written when the project is baked)",
        ) from None
    except json.JSONDecodeError as exc:
        raise UpdateError(
            f"{RECORD} is not valid JSON ({exc.msg}, line {exc.lineno}).", f"restore {RECORD} from git"
        ) from None
    answers = data.get("answers")
    if not isinstance(answers, dict) or not data.get("template"):
        raise UpdateError(f"{RECORD} has no 'template' or 'answers'.", f"restore {RECORD} from git")
    return TemplateRecord(
        template=str(data["template"]),
        checkout=data.get("checkout"),
        commit=data.get("commit"),
        version=str(data.get("dorc_runtime_version", "unknown")),
        answers=answers,
        dirty=bool(data.get("template_dirty", False)),
    )
