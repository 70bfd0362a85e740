"""Three-way merge of one file with ``git merge-file``.

Hand-wired rather than a Python diff library because ``git merge-file`` is the merge users already
resolve every day: inline ``<<<<<<<``/``=======``/``>>>>>>>`` markers that editors and ``git
mergetool`` understand, and the same algorithm as ``git merge``. (cruft applies a patch with ``git
apply -3``, which needs the old blob in the project's object store and otherwise falls back to
``.rej`` files — cruft/cruft#49, #181.) Every project is a git repository, so git is present.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import MissingToolError

OURS_LABEL = "your project"


@dataclass(frozen=True)
class Merged:
    content: bytes
    conflicts: int
    binary: bool = False


def is_binary(*contents: bytes) -> bool:
    """git's own test: a NUL byte in the first 8000 bytes."""
    return any(b"\0" in content[:8000] for content in contents)


def merge_file(ours: bytes, base: bytes, theirs: bytes, base_label: str, theirs_label: str) -> Merged:
    """``ours`` with the change base -> theirs applied; conflicting hunks keep both sides, marked."""
    if is_binary(ours, base, theirs):
        return Merged(ours, 1, binary=True)
    with tempfile.TemporaryDirectory(prefix="dorc-merge-") as folder:
        paths = []
        for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(content)
            paths.append(str(path))
        command = ["git", "merge-file", "-p", "-L", OURS_LABEL, "-L", base_label, "-L", theirs_label, *paths]
        try:
            result = subprocess.run(command, capture_output=True, check=False)
        except FileNotFoundError:
            raise MissingToolError(
                "git is not installed; invoke update merges files with 'git merge-file'.", "install git"
            ) from None
    if result.returncode < 0 or result.returncode > 127:
        raise MissingToolError(
            f"git merge-file failed: {result.stderr.decode(errors='replace').strip()}",
            "check that git works: 'git --version'",
        )
    return Merged(result.stdout, result.returncode)
