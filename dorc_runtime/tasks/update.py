"""Invoke task: update the project from a newer dorc template (cookiecutter imported in the body)."""

from __future__ import annotations

from .declare import dorc_task


@dorc_task(
    help={
        "template": "template path or URL (default: the one in .dorc-template.json)",
        "ref": "template branch, tag or commit to update to (default: the last commit of its default or current branch)",
        "dry_run": "print the plan file by file and change nothing",
        "force": "overwrite your edits to the vendored dorc_runtime/",
        "allow_dirty": "run even with uncommitted changes in the git tree",
    }
)
def update(c, template=None, ref=None, dry_run=False, force=False, allow_dirty=False):
    """Update from a newer dorc: runtime replaced, template files merged three ways, conflicts marked.

    Example: invoke update --dry-run
    """
    from rich.console import Console

    from ..project import Project
    from ..update import UpdateOptions, run_update

    options = UpdateOptions(template=template, ref=ref, dry_run=dry_run, force=force, allow_dirty=allow_dirty)
    run_update(Project.find().root, options, Console())


TASKS = [update]
