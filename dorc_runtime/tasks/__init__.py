"""The Invoke collection a generated project's ``tasks.py`` imports.

Each module below contributes a ``TASKS`` list; they stay import-light (no Pulumi, boto3 or moto
at import time) so ``invoke --list`` and ``invoke list`` start fast. Updating the vendored
runtime therefore updates the tasks.
"""

from __future__ import annotations

from .process import prepare_process

prepare_process()  # before the task modules below are imported: their .pyc files are written

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
