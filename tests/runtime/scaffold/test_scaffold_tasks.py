"""Every scaffolding task in-process, with every bad input: one clear line, exit 1, nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from invoke import Context
from invoke.exceptions import Exit

from dorc_runtime.scaffold import writer
from dorc_runtime.tasks import scaffold as tasks


@pytest.fixture
def project(baked_project: Path, project_copy, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = project_copy(baked_project)
    monkeypatch.chdir(copy)
    return copy


def refused(project: Path, snapshot, task, *args, **kwargs) -> str:
    before = snapshot(project)
    with pytest.raises(Exit) as caught:
        task(Context(), *args, **kwargs)
    assert caught.value.code == 1
    message = str(caught.value.message)
    assert message.startswith("Error: ") and "\n" not in message, message
    assert snapshot(project) == before
    return message


BAD_NAMES = {
    "Curated": "upper-case",
    "my layer": "white space",
    "..": "path separator or '..'",
    "a/b": "path separator",
    "class": "Python keyword",
    "x" * 33: "at most 32",
    "1abc": "not a valid dorc name",
}


@pytest.mark.parametrize("name", sorted(BAD_NAMES))
def test_bad_names_are_refused_by_every_task(project: Path, snapshot, name: str) -> None:
    rule = BAD_NAMES[name]
    assert rule in refused(project, snapshot, tasks.new_layer, name)
    assert rule in refused(project, snapshot, tasks.new_pipeline, name, layer="raw")
    assert rule in refused(project, snapshot, tasks.new_pipeline, "fine", layer="raw", functions=f"a,{name}")
    assert rule in refused(project, snapshot, tasks.new_function, name, pipeline="census", layer="raw")


def test_existing_things_are_never_overwritten(project: Path, snapshot) -> None:
    assert "already exists" in refused(project, snapshot, tasks.new_layer, "raw")
    assert "already exists" in refused(project, snapshot, tasks.new_pipeline, "census", layer="raw")
    existing = sorted(p.name for p in (project / "src/raw/census/src").iterdir())[0]
    assert "already exists" in refused(project, snapshot, tasks.new_function, existing, pipeline="census", layer="raw")


def test_unknown_or_ambiguous_places_are_refused(project: Path, snapshot) -> None:
    assert "There is no layer 'gold'" in refused(project, snapshot, tasks.new_pipeline, "p", layer="gold")
    assert "which one?" in refused(project, snapshot, tasks.new_pipeline, "p")
    assert "exists in several layers" in refused(project, snapshot, tasks.new_function, "f", pipeline="census")
    assert "no pipeline 'nope'" in refused(project, snapshot, tasks.new_function, "f", pipeline="nope")
    assert "no function 'ghost'" in refused(
        project, snapshot, tasks.new_function, "f", pipeline="census", layer="raw", after="ghost"
    )
    assert "listed twice" in refused(project, snapshot, tasks.new_pipeline, "p", layer="raw", functions="a,a")
    assert "--no-wire" in refused(
        project, snapshot, tasks.new_function, "f", pipeline="census", layer="raw", after="x", no_wire=True
    )


def test_dynamic_definition_is_not_edited(project: Path, snapshot) -> None:
    main = project / "src/raw/census/__main__.py"
    text = main.read_text()
    start = text.index("functions=[")
    end = text.index("],", start) + 2
    main.write_text(text[:start] + 'functions=[Function(name=n) for n in ("a",)],' + text[end:])
    message = refused(project, snapshot, tasks.new_function, "clean", pipeline="census", layer="raw")
    assert "nothing was changed" in message and '`Function(name="clean")`' in message


def test_new_pipeline_uses_the_only_layer(bake, project_copy, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    project = project_copy(bake(layers="default", include_example="no", aws_region="us-west-2"))
    monkeypatch.chdir(project)
    tasks.new_pipeline(Context(), "census", functions="fetch,clean")
    assert (project / "src/default/census/src/clean/lambda.py").is_file()
    # the stack files carry the region from project_settings.py
    stack = (project / "src/default/census/Pulumi.prod.yaml").read_text()
    assert '"aws:region": "us-west-2"' in stack
    assert "Pipeline 'census' created." in capsys.readouterr().out


def test_new_function_without_after_follows_the_last(project: Path) -> None:
    tasks.new_function(Context(), "archive", pipeline="census", layer="processed")
    main = (project / "src/processed/census/__main__.py").read_text()
    assert 'Function(name="archive")' in main
    assert main.count("next_function=") == main.count("Function(name=") - 1
    assert (project / "src/processed/census/tests/test_archive.py").is_file()


def test_no_wire_creates_only_the_folder(project: Path) -> None:
    before = (project / "src/raw/census/__main__.py").read_text()
    tasks.new_function(Context(), "extra", pipeline="census", layer="raw", no_wire=True)
    assert (project / "src/raw/census/src/extra/lambda.py").is_file()
    assert (project / "src/raw/census/__main__.py").read_text() == before


def test_failure_midway_leaves_nothing(project: Path, snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(project)

    def broken_replace(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writer.os, "replace", broken_replace)
    with pytest.raises(Exit) as caught:
        tasks.new_function(Context(), "clean", pipeline="census", layer="raw")
    assert caught.value.message == (
        "Error: Cannot create src/raw/census/__main__.py: disk full (src/raw/census/__main__.py); nothing was "
        "changed. Fix: move the file in the way, or make the folder writable, then run the command again"
    )
    assert snapshot(project) == before


def test_list_and_validate_in_process(project: Path, capsys) -> None:
    tasks.list_(Context())
    out = capsys.readouterr().out
    assert "raw" in out and "processed" in out and "census" in out and " → " in out
    tasks.validate(Context())
    assert "OK: 2 pipelines" in capsys.readouterr().out


def test_validate_fails_with_every_problem(project: Path) -> None:
    (project / "infra/Pulumi.prod.yaml").unlink()
    (project / "src/raw/census/Pulumi.preprod.yaml").unlink()
    with pytest.raises(Exit) as caught:
        tasks.validate(Context())
    assert caught.value.code == 1
    message = str(caught.value.message)
    assert "infra/Pulumi.prod.yaml is missing" in message
    assert "src/raw/census/Pulumi.preprod.yaml is missing" in message


def test_outside_a_project_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exit) as caught:
        tasks.list_(Context())
    assert "not inside a dorc config repository" in str(caught.value.message)
