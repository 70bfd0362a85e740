"""Which template argument cookiecutter gets, and what the record keeps (pure path logic)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dorc_runtime.errors import UpdateError
from dorc_runtime.update.render import cookiecutter_source, recorded_source, render


def test_a_local_git_checkout_is_cloned_through_a_git_url(tmp_path: Path) -> None:
    (tmp_path / "dorc" / ".git").mkdir(parents=True)
    assert cookiecutter_source(str(tmp_path / "dorc")) == f"git+file://{tmp_path / 'dorc'}"


def test_urls_are_kept_and_file_urls_are_marked_as_git(tmp_path: Path) -> None:
    assert cookiecutter_source("gh:acme/dorc") == "gh:acme/dorc"
    assert cookiecutter_source("https://github.com/acme/dorc.git") == "https://github.com/acme/dorc.git"
    # cookiecutter only guesses git when 'git' is in the URL
    assert cookiecutter_source("file:///srv/templates/dorc") == "git+file:///srv/templates/dorc"


def test_a_folder_outside_git_cannot_be_rendered_at_a_version(tmp_path: Path) -> None:
    (tmp_path / "dorc").mkdir()
    with pytest.raises(
        UpdateError, match="is a folder outside git, so its version abc123 cannot be rendered"
    ):
        render(str(tmp_path / "dorc"), "abc123", {}, tmp_path / "scratch")


def test_the_record_keeps_folders_absolute_and_urls_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dorc").mkdir()
    monkeypatch.chdir(tmp_path)
    assert recorded_source("dorc") == str(tmp_path / "dorc")
    assert recorded_source("gh:acme/dorc") == "gh:acme/dorc"
