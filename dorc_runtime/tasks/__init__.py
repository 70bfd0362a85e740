"""The Invoke collection a generated project's ``tasks.py`` imports.

Each module below contributes a ``TASKS`` list; they stay import-light (no Pulumi, boto3 or moto
at import time) so ``invoke --list`` and ``invoke list`` start fast. Updating the vendored
runtime therefore updates the tasks.
"""

from __future__ import annotations

import sys

# Invoke turns off writing .pyc files for the whole process unless ``--write-pyc`` is given (to
# keep ``tasks.pyc`` out of the user's folder), so every dorc module a task imports would be
# compiled from source again on every command: ~0.1 s of CPU for ``invoke run``. dorc's runtime is
# a library like any other: from here on the interpreter's own setting (-B,
# PYTHONDONTWRITEBYTECODE) decides again, before the task modules below are imported.
sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)

from invoke import Collection  # noqa: E402

from . import deploy, local, operate, plan, scaffold, submissions, update  # noqa: E402

namespace = Collection()
for _module in (scaffold, local, plan, deploy, operate, submissions, update):
    for _task in _module.TASKS:
        namespace.add_task(_task)

# runs, report, ui: kept as their own block so other areas' task modules merge beside it
from . import runs as _runs  # noqa: E402

for _task in _runs.TASKS:
    namespace.add_task(_task)

__all__ = ["namespace"]
