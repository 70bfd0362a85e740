"""`invoke update` end to end: a project baked from an older template version is brought up to date.

The older version is made here: a copy of this repository's template is committed to a scratch
git repository with a few changes, and the current template is committed on top of it. The
project is baked at the old commit with cookiecutter's API (the real hooks run), committed, and
edited by its "user": one edit merges cleanly, one conflicts with the template's change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from dorc_runtime.errors import UpdateError
from dorc_runtime.update import Action, UpdateOptions, run_update

REPO_ROOT = Path(__file__).resolve().parents[3]
SLUG = "{{cookiecutter.project_slug}}"
TEMPLATE_PARTS = ("cookiecutter.json", "hooks", SLUG, "dorc_runtime")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}

README_OLD = "(do not\nedit it; update it from the template, see *Updating*)."
README_OLDER = "(never\nedit it by hand)."
SETTINGS_LINE = '"""The project\'s settings: the ONE place its values live.'
SETTINGS_OLD = '"""The settings of this project, in one place.'
SETTINGS_USER = '"""Census team settings: every value lives here.'
README_USER_LINE = "invoke test        # run every test"
RUNTIME_OLD_LINE = "# an old runtime line\n"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def copy_template(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for part in TEMPLATE_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target / part)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A template repository with an old and a new commit, and a project baked at the old one."""
    from cookiecutter.main import cookiecutter

    root = tmp_path_factory.mktemp("update")
    template = root / "dorc"
    template.mkdir()
    git(template, "init", "-q", "-b", "main")
    copy_template(template)
    # the older template: other README and settings wording, an extra runtime line, a file that
    # later went away, and no .env.example yet
    edit(template / SLUG / "README.md", README_OLD, README_OLDER)
    edit(template / SLUG / "project_settings.py", SETTINGS_LINE, SETTINGS_OLD)
    (template / "dorc_runtime" / "requirements.txt").write_text(
        (template / "dorc_runtime" / "requirements.txt").read_text() + RUNTIME_OLD_LINE
    )
    (template / SLUG / "OLD_NOTES.md").write_text("notes of the old template\n")
    (template / SLUG / ".env.example").unlink()
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "old")
    old = git(template, "rev-parse", "HEAD")
    out = root / "projects"
    project = Path(
        cookiecutter(
            str(template), no_input=True, output_dir=str(out), extra_context={"include_example": "no"}
        )
    )
    shutil.rmtree(template / SLUG)
    (template / "dorc_runtime").joinpath("requirements.txt").unlink()
    copy_template(template)
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "new")
    new = git(template, "rev-parse", "HEAD")
    return {"template": template, "project": project, "old": old, "new": new}


@pytest.fixture
def project(versions: dict[str, object], tmp_path: Path) -> Path:
    """A fresh copy of the baked project, committed, with the user's own pipeline and edits."""
    root = tmp_path / "census-stats"
    shutil.copytree(versions["project"], root)
    mine = root / "src" / "raw" / "mine"
    (mine / "src" / "fetch").mkdir(parents=True)
    (mine / "__main__.py").write_text("# the user's pipeline\n")
    (mine / "src" / "fetch" / "lambda.py").write_text("def handler(event, context):\n    return event\n")
    edit(root / "README.md", README_USER_LINE, README_USER_LINE + "\ninvoke run mine --layer raw   # ours")
    edit(root / "project_settings.py", SETTINGS_OLD, SETTINGS_USER)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "baked from dorc and edited")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def update(root: Path, **options: object) -> tuple[object, str]:
    console = Console(record=True, width=200)
    result = run_update(root, UpdateOptions(**options), console)
    return result, console.export_text()


def test_the_record_names_the_commit_the_project_was_baked_from(versions: dict[str, object]) -> None:
    record = json.loads((versions["project"] / ".dorc-template.json").read_text())
    assert record["commit"] == versions["old"]
    assert record["template"] == str(versions["template"])
    assert record["template_dirty"] is False
    assert record["answers"]["include_example"] == "no"


def test_update_merges_the_users_edits_marks_conflicts_and_records_the_new_commit(
    project: Path, versions: dict[str, object]
) -> None:
    user_files = {p: c for p, c in snapshot(project).items() if p.startswith("src/raw/mine/")}

    result, output = update(project)

    actions = {c.path: c.action for c in result.plan.changes}
    assert actions == {
        ".env.example": Action.ADD,
        "OLD_NOTES.md": Action.DELETE,
        "README.md": Action.MERGE,
        "project_settings.py": Action.CONFLICT,
    }
    readme = (project / "README.md").read_text()
    assert "invoke run mine --layer raw   # ours" in readme  # the user's line kept
    assert README_OLD in readme and README_OLDER not in readme  # the template's change applied
    assert not re.search(r"^(<<<<<<<|=======|>>>>>>>)", readme, re.MULTILINE)  # no conflict markers
    settings = (project / "project_settings.py").read_text()
    assert (
        f"<<<<<<< your project\n{SETTINGS_USER}\n=======\n{SETTINGS_LINE}\n>>>>>>> dorc {versions['new'][:12]}\n"
        in settings
    )
    assert "ENVIRONMENTS" in settings  # the rest of the file is intact
    assert not (project / "OLD_NOTES.md").exists()
    assert (project / ".env.example").read_bytes() == (REPO_ROOT / SLUG / ".env.example").read_bytes()
    # the runtime is the new one, byte for byte
    assert (project / "dorc_runtime" / "requirements.txt").read_bytes() == (
        REPO_ROOT / "dorc_runtime" / "requirements.txt"
    ).read_bytes()
    # the user's own pipeline is untouched
    assert {p: c for p, c in snapshot(project).items() if p.startswith("src/raw/mine/")} == user_files
    record = json.loads((project / ".dorc-template.json").read_text())
    assert record["commit"] == versions["new"]
    assert record["template"] == str(versions["template"])
    assert "CONFLICT  project_settings.py  (1 conflict(s) marked inline)" in output
    assert "merge     README.md" in output
    assert "runtime   dorc_runtime/ replaced (1 file(s) differ)" in output


def test_dry_run_prints_the_plan_and_changes_nothing(project: Path) -> None:
    before = snapshot(project)

    result, output = update(project, dry_run=True)

    assert snapshot(project) == before
    assert not result.applied
    for line in (
        "add       .env.example",
        "delete    OLD_NOTES.md",
        "merge     README.md",
        "CONFLICT  project_settings.py",
        "Dry run: nothing was changed.",
    ):
        assert line in output


def test_edits_to_the_vendored_runtime_are_refused_naming_them_unless_forced(project: Path) -> None:
    edited = project / "dorc_runtime" / "names.py"
    edited.write_text(edited.read_text() + "# my local patch\n")
    git(project, "commit", "-qam", "patch the runtime")
    before = snapshot(project)

    with pytest.raises(
        UpdateError, match=r"You edited the vendored runtime \(dorc_runtime/names.py\)"
    ) as error:
        update(project)
    assert "--force" in error.value.fix
    assert snapshot(project) == before

    update(project, force=True)
    assert "# my local patch" not in edited.read_text()


def test_a_dirty_tree_is_refused_unless_allowed(project: Path) -> None:
    (project / "scratch.txt").write_text("not committed\n")
    before = snapshot(project)

    with pytest.raises(UpdateError, match=r"uncommitted changes \(scratch.txt\)"):
        update(project)
    assert snapshot(project) == before

    result, _ = update(project, allow_dirty=True)
    assert result.applied
    assert (project / "scratch.txt").read_text() == "not committed\n"


def test_an_up_to_date_project_has_nothing_to_change(project: Path, versions: dict[str, object]) -> None:
    update(project)
    (project / "project_settings.py").write_text(
        (project / "project_settings.py").read_text().split("<<<<<<< your project\n")[0]
        + SETTINGS_USER
        + (project / "project_settings.py").read_text().split(f">>>>>>> dorc {versions['new'][:12]}\n")[1]
    )
    git(project, "add", "-A")
    git(project, "commit", "-qm", "resolved")

    result, output = update(project)

    assert result.plan.changes == ()
    assert "nothing to change" in output


def test_an_unknown_ref_is_one_clear_error_and_changes_nothing(project: Path) -> None:
    before = snapshot(project)

    with pytest.raises(UpdateError, match=r"Cannot render the template .*dorc at no-such-tag") as error:
        update(project, ref="no-such-tag")

    assert "--ref" in error.value.fix
    assert snapshot(project) == before


def test_a_template_given_as_a_relative_path_is_recorded_absolute(
    project: Path, versions: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(versions["template"].parent)

    update(project, template="dorc", ref="main")

    record = json.loads((project / ".dorc-template.json").read_text())
    assert (record["template"], record["checkout"], record["commit"]) == (
        str(versions["template"]),
        "main",
        versions["new"],
    )


def test_a_bake_from_uncommitted_template_changes_is_recorded_and_noted(
    versions: dict[str, object], tmp_path: Path
) -> None:
    """The hook records that the commit is only close to what was baked; update says so."""
    from cookiecutter.main import cookiecutter

    template = tmp_path / "dorc"
    git(tmp_path, "clone", "-q", str(versions["template"]), str(template))
    readme = template / SLUG / "README.md"
    readme.write_text(readme.read_text() + "\nan uncommitted line\n")
    project = Path(
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(tmp_path / "out"),
            extra_context={"include_example": "no"},
        )
    )
    record = json.loads((project / ".dorc-template.json").read_text())
    assert (record["commit"], record["template_dirty"]) == (versions["new"], True)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "baked")

    result, output = update(project, dry_run=True)

    assert "Note: the project was baked from uncommitted changes to the template" in output
    # the uncommitted line is in the project but not in the commit's render: it looks like a user edit
    assert result.plan.changes == ()


def test_the_task_refuses_in_one_line_at_the_cli_edge(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from invoke import MockContext
    from invoke.exceptions import Exit

    from dorc_runtime.tasks.update import update as update_task

    (project / "notes.txt").write_text("draft\n")
    monkeypatch.chdir(project)

    with pytest.raises(Exit) as caught:
        update_task(MockContext())

    assert caught.value.code == 1
    assert str(caught.value.message) == (
        "Error: The git tree has uncommitted changes (notes.txt). Fix: commit or stash them first (so the "
        "update can be reviewed and undone), or pass --allow-dirty"
    )
