"""The update plan, file by file, from three trees (pure; the merge is the real git merge-file)."""

from __future__ import annotations

from dorc_runtime.update.merge import merge_file
from dorc_runtime.update.plan import Action, Change, plan_update


def merge(ours: bytes, base: bytes, theirs: bytes):
    return merge_file(ours, base, theirs, "dorc old", "dorc new")


BASE = {
    "a.txt": b"one\ntwo\nthree\n",
    "gone.txt": b"old\n",
    "edited-gone.txt": b"old\n",
    "same.txt": b"same\n",
}
THEIRS = {"a.txt": b"one\ntwo\nTHREE\n", "new.txt": b"new\n", "same.txt": b"same\n"}


def test_each_kind_of_change() -> None:
    ours = {
        "a.txt": b"ONE\ntwo\nthree\n",
        "gone.txt": b"old\n",
        "edited-gone.txt": b"mine\n",
        "same.txt": b"mine\n",
    }

    plan = plan_update(BASE, THEIRS, ours, merge)

    assert plan.changes == (
        Change("a.txt", Action.MERGE, b"ONE\ntwo\nTHREE\n"),
        Change("edited-gone.txt", Action.KEEP, note="removed from the template; kept because you edited it"),
        Change("gone.txt", Action.DELETE),
        Change("new.txt", Action.ADD, b"new\n"),
    )  # same.txt: the template did not change it, so the user's edit is simply kept


def test_a_conflict_is_marked_inline_with_both_sides() -> None:
    plan = plan_update(BASE, THEIRS, {"a.txt": b"one\ntwo\n3\n"}, merge)

    (change,) = [c for c in plan.changes if c.path == "a.txt"]
    assert change.action is Action.CONFLICT
    assert change.content == b"one\ntwo\n<<<<<<< your project\n3\n=======\nTHREE\n>>>>>>> dorc new\n"


def test_an_unedited_file_takes_the_new_text_and_a_deleted_one_is_not_restored() -> None:
    plan = plan_update(BASE, THEIRS, {"a.txt": BASE["a.txt"]}, merge)

    assert Change("a.txt", Action.UPDATE, THEIRS["a.txt"]) in plan.changes
    plan = plan_update(BASE, THEIRS, {}, merge)
    assert (
        Change("a.txt", Action.KEEP, note="you deleted it; the template changed it (not restored)")
        in plan.changes
    )


def test_runtime_edits_and_changes_are_found_and_the_runtime_is_never_merged() -> None:
    base = {"dorc_runtime/x.py": b"1\n", "dorc_runtime/y.py": b"1\n"}
    theirs = {"dorc_runtime/x.py": b"2\n", "dorc_runtime/z.py": b"1\n"}
    ours = {"dorc_runtime/x.py": b"1\n", "dorc_runtime/y.py": b"edited\n"}

    plan = plan_update(base, theirs, ours, merge)

    assert plan.changes == ()
    assert plan.runtime.edited == ("dorc_runtime/y.py",)
    assert plan.runtime.changed == ("dorc_runtime/x.py", "dorc_runtime/y.py", "dorc_runtime/z.py")
    assert dict(plan.runtime_files) == theirs


def test_binary_files_changed_on_both_sides_keep_the_users_copy() -> None:
    plan = plan_update({"i.bin": b"\0a"}, {"i.bin": b"\0b"}, {"i.bin": b"\0c"}, merge)

    assert plan.changes == (
        Change("i.bin", Action.CONFLICT, None, note="binary file changed on both sides; kept yours"),
    )
