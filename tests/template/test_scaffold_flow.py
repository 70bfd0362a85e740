"""The issue's user journey, as whole processes inside a baked project: bake, grow, list,
validate, test; and validate listing every problem of a broken project."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_user_journey(bake, project_copy, invoke_in) -> None:
    project = project_copy(bake(include_example="no"))

    def ok(*args: str) -> str:
        result = invoke_in(project, *args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    ok("new-layer", "curated")
    ok("new-pipeline", "census", "--layer", "raw")
    ok("new-function", "clean", "--pipeline", "census", "--layer", "raw", "--after", "function1")
    ok("new-pipeline", "summary", "--layer", "curated", "--functions", "load,report", "--description", "Sums up")
    listing = ok("list")
    assert "function1 → clean" in listing
    assert "load → report" in listing and "Sums up" in listing
    assert "OK: 2 pipelines in 3 layers" in ok("validate")
    assert "passed" in ok("test")
    main = (project / "src/raw/census/__main__.py").read_text()
    assert 'Function(name="function1", next_function="clean"),\n        Function(name="clean"),' in main


def test_every_task_has_help(baked_project: Path, invoke_in) -> None:
    for name in ("new-layer", "new-pipeline", "new-function", "list", "validate", "test"):
        result = invoke_in(baked_project, "--help", name)
        assert result.returncode == 0, result.stderr
        assert "Docstring:" in result.stdout and "none" not in result.stdout.split("Docstring:")[1].split("\n")[1]


def test_validate_lists_every_problem(baked_project: Path, project_copy, invoke_in) -> None:
    project = project_copy(baked_project)
    raw = project / "src/raw/census"
    processed_main = project / "src/processed/census/__main__.py"
    (raw / "src" / "stray").mkdir()
    (raw / "src" / "stray" / "lambda.py").write_text("def handler(event, context):\n    return 1\n")
    (raw / "Pulumi.prod.yaml").unlink()
    processed_main.write_text(
        processed_main.read_text().replace("functions=[", 'functions=[\n        Function(name="ghost"),', 1)
    )
    result = invoke_in(project, "validate")
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert "folder src/stray/ is not a function" in out
    assert "raw/census/Pulumi.prod.yaml is missing" in out
    assert "function 'ghost' has no folder src/ghost/" in out or "ghost" in out
    assert "Found problems:" in out


@pytest.mark.timeout(900)
def test_pipelines_needing_different_packages_each_pass_their_own_tests(bake, project_copy, invoke_in) -> None:
    """`invoke test` (what the generated CI runs) gives each pipeline's tests that pipeline's
    environment: tabulate (small, pure Python, needed by none of the test tools) listed by one
    pipeline is importable in its tests and not in the other's, nothing of dorc's tooling is in
    either, and their generated tests (which use the `dorc` fixture) pass."""
    project = project_copy(bake(include_example="no"))
    for args in (("new-pipeline", "lists", "--layer", "raw"), ("new-pipeline", "lacks", "--layer", "raw")):
        assert invoke_in(project, *args).returncode == 0
    (project / "src/raw/lists/requirements.txt").write_text("tabulate\n")
    (project / "src/raw/lists/tests/test_tabulate.py").write_text(
        "from tabulate import tabulate\n\n\ndef test_tabulate_is_there():\n"
        "    assert tabulate([[1]], tablefmt='plain') == '1'\n"
    )
    (project / "src/raw/lacks/tests/test_no_tabulate.py").write_text(
        "import importlib\n\nimport pytest\n\n\ndef test_tabulate_is_not_there():\n"
        "    with pytest.raises(ImportError):\n        import tabulate  # noqa: F401\n\n\n"
        # nothing of dorc's tooling either: its `dorc` fixture runs its session in dorc's own environment
        "@pytest.mark.parametrize('name', ['pydantic', 'invoke', 'pulumi', 'rich', 'libcst'])\n"
        "def test_dorcs_tooling_is_not_there(name):\n    with pytest.raises(ImportError):\n"
        "        importlib.import_module(name)\n"
    )
    result = invoke_in(project, "test")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "== raw/lists tests" in result.stdout and "== raw/lacks tests" in result.stdout
    lacks = result.stdout.split("== raw/lacks tests", 1)[1].split("\n== ", 1)[0]
    # the generated tests that drive the handlers through the `dorc` fixture ran in that lean environment
    assert "src/raw/lacks/tests/test_pipeline.py ." in lacks and "8 passed" in lacks, lacks
