"""``invoke update``: render old and new template, plan, print, apply, record."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..errors import UpdateError
from ..scaffold.bake import RECORD, record
from . import workspace
from .merge import merge_file
from .plan import RUNTIME, Action, UpdatePlan, plan_update
from .record import TemplateRecord, read_record
from .render import Render, recorded_source, render

RenderFn = Callable[[str, str | None, dict, Path], Render]
MARKS = {
    Action.ADD: "add",
    Action.UPDATE: "update",
    Action.MERGE: "merge",
    Action.CONFLICT: "CONFLICT",
    Action.DELETE: "delete",
    Action.KEEP: "keep",
}


@dataclass(frozen=True)
class UpdateOptions:
    template: str | None = None
    ref: str | None = None
    dry_run: bool = False
    force: bool = False
    allow_dirty: bool = False


@dataclass(frozen=True)
class UpdateResult:
    plan: UpdatePlan
    applied: bool


def _label(name: str, render_: Render, ref: str | None) -> str:
    return f"{name} {(render_.commit or ref or render_.version)[:12]}"


def print_plan(console: Console, plan: UpdatePlan, replace_runtime: bool) -> None:
    if replace_runtime:
        console.print(
            f"  runtime   {RUNTIME}/ replaced ({len(plan.runtime.changed)} file(s) differ)", markup=False
        )
    for change in plan.changes:
        note = f"  ({change.note})" if change.note else ""
        console.print(f"  {MARKS[change.action]:<9} {change.path}{note}", markup=False)


def refuse_runtime_edits(plan: UpdatePlan, force: bool) -> None:
    if plan.runtime.edited and not force:
        shown = ", ".join(f"{RUNTIME}/{p.split('/', 1)[1]}" for p in plan.runtime.edited[:5])
        more = f" and {len(plan.runtime.edited) - 5} more" if len(plan.runtime.edited) > 5 else ""
        raise UpdateError(
            f"You edited the vendored runtime ({shown}{more}); an update replaces {RUNTIME}/ wholesale.",
            "move the change out of dorc_runtime/ (or propose it to dorc), or pass --force to overwrite it",
        )


def run_update(
    root: Path, options: UpdateOptions, console: Console, render_fn: RenderFn = render
) -> UpdateResult:
    saved: TemplateRecord = read_record(root)
    if not options.allow_dirty and not options.dry_run:
        dirty = workspace.dirty_paths(root)
        if dirty:
            raise UpdateError(
                f"The git tree has uncommitted changes ({', '.join(dirty[:3])}{' ...' if len(dirty) > 3 else ''}).",
                "commit or stash them first (so the update can be reviewed and undone), or pass --allow-dirty",
            )
    base_ref = saved.base_ref
    if not base_ref:
        raise UpdateError(
            f"{RECORD} names no template commit: the project was baked from a template folder outside git.",
            "bake from a git checkout (or URL) of dorc next time; meanwhile copy the changes by hand",
        )
    # both versions from one source: --template also serves when the recorded folder is gone (a
    # project baked on another machine records that machine's path)
    template = recorded_source(options.template) if options.template else saved.template
    with tempfile.TemporaryDirectory(prefix="dorc-update-") as scratch:
        base = render_fn(template, base_ref, saved.answers, Path(scratch) / "base")
        theirs = render_fn(template, options.ref, saved.answers, Path(scratch) / "new")
    ours = workspace.project_files(root, set(base.files) | set(theirs.files))
    plan = plan_update(
        base.files,
        theirs.files,
        ours,
        lambda o, b, t: merge_file(
            o, b, t, _label("dorc", base, base_ref), _label("dorc", theirs, options.ref)
        ),
    )
    replace = bool(plan.runtime.changed)
    console.print(
        f"Update from dorc {escape(saved.version)} ({escape(base_ref[:12])}) to {escape(theirs.version)} "
        f"({escape((theirs.commit or options.ref or 'latest')[:12])}):",
        highlight=False,
    )
    if saved.dirty:
        console.print(
            f"Note: the project was baked from uncommitted changes to the template at {base_ref[:12]}; "
            "where those changes differ from that commit they show up here as your edits.",
            markup=False,
        )
    if not plan.changes and not replace:
        console.print("  nothing to change", markup=False)
    print_plan(console, plan, replace)
    refuse_runtime_edits(plan, options.force)
    if options.dry_run:
        console.print("Dry run: nothing was changed.", markup=False)
        return UpdateResult(plan, applied=False)
    workspace.apply_plan(root, plan, replace)
    # Recorded once every planned write is done, conflicts included: the markers hold both sides,
    # and a later update from the old base would conflict again on the user's own resolution.
    (root / RECORD).write_text(
        record(
            template=template,
            checkout=options.ref,
            commit=theirs.commit,
            version=theirs.version,
            answers=saved.answers,
        ),
        encoding="utf-8",
    )
    if plan.conflicts:
        console.print(
            f"{len(plan.conflicts)} file(s) have conflicts marked inline: "
            f"{', '.join(c.path for c in plan.conflicts)}. Resolve them (search for '<<<<<<<'), run "
            "'invoke validate', then commit.",
            markup=False,
        )
    console.print(
        f"Updated; {RECORD} now records {escape((theirs.commit or theirs.version)[:12])}.", highlight=False
    )
    return UpdateResult(plan, applied=True)
