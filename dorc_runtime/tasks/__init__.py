"""The Invoke collection a generated project's ``tasks.py`` imports.

Each module below contributes a ``TASKS`` list; they stay import-light (no Pulumi, boto3 or moto
at import time) so ``invoke --list`` and ``invoke list`` start fast. Updating the vendored
runtime therefore updates the tasks.
"""

from __future__ import annotations

from invoke import Collection

from . import deploy, local, operate, plan, scaffold, submissions, update

namespace = Collection()
for _module in (scaffold, local, plan, deploy, operate, submissions, update):
    for _task in _module.TASKS:
        namespace.add_task(_task)

__all__ = ["namespace"]
