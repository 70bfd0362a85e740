"""``invoke TASK --help`` works for every task, wherever --help stands, and every task's help has
an example; positional arguments still parse as before."""

from __future__ import annotations

import pytest
from invoke import Program
from invoke.parser import Parser

from dorc_runtime.tasks import namespace

TASK_NAMES = sorted(namespace.task_names)
# A value for each positional argument, to put --help after them as well as before them.
POSITIONAL_VALUES = ("census", "raw", "dev")


def _positional_names(name: str) -> list[str]:
    return [arg.name for arg in namespace[name].get_arguments() if arg.positional]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    Program(namespace=namespace, binary="invoke").run(["invoke", *argv], exit=False)
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_every_task_is_covered():
    # the 20 tasks the issue counted, plus build, local-envs, redrive, runs, report, ui and update:
    # if a task is added, it is tested here too
    assert len(TASK_NAMES) == 27
    assert {"run", "call", "plan", "new-route", "list", "local-reset"} <= set(TASK_NAMES)


@pytest.mark.parametrize("name", TASK_NAMES)
@pytest.mark.parametrize("form", ["TASK --help", "TASK -h", "--help TASK", "TASK ARGS --help"])
def test_help_prints_usage_and_example_without_running_the_task(name, form, capsys, tmp_path, monkeypatch):
    # outside any project: had the task body run, it would fail with "not inside a dorc config repository"
    monkeypatch.chdir(tmp_path)
    args = list(POSITIONAL_VALUES[: len(_positional_names(name))])
    argv = {
        "TASK --help": [name, "--help"],
        "TASK -h": [name, "-h"],
        "--help TASK": ["--help", name],
        "TASK ARGS --help": [name, *args, "--help"],
    }[form]
    out, err = _run(argv, capsys)
    assert err == ""
    assert out.startswith(f"Usage: invoke [--core-opts] {name} [--options]")
    assert "\n  Example: invoke " + name in out
    assert "config repository" not in out + err
    for positional in _positional_names(name):
        assert f"--{positional.replace('_', '-')}" in out


def test_run_help_lists_the_options_with_their_help(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, _ = _run(["run", "--help"], capsys)
    assert "  -e STRING, --event=STRING        the input event: inline JSON, or @file.json" in out
    assert "  -p STRING, --pipeline=STRING     the pipeline to run, e.g. census" in out
    assert "  Example: invoke run census --layer raw --event '{\"year\": 2024}'" in out


def _parse(argv: list[str]) -> dict[str, object]:
    program = Program(namespace=namespace, binary="invoke")
    contexts = Parser(initial=program.initial_context, contexts=namespace.to_contexts()).parse_argv(argv)
    return contexts[1].as_kwargs


def test_positional_arguments_still_parse():
    assert _parse(["call", "clean", "census", "--layer", "raw"]) == {
        "function": "clean", "pipeline": "census", "layer": "raw", "event": None, "env": None, "help": False,
    }
    assert _parse(["run", "census"])["pipeline"] == "census"


def test_a_missing_positional_argument_is_still_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, err = _run(["call", "clean"], capsys)
    assert err.strip() == "'call' did not receive required positional arguments: 'pipeline'"
