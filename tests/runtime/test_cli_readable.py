"""What the tasks print reads well: a child pipeline's states are labelled inside its parent's
run, and plan shows the placeholder account as one, with the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

RAW_MAIN = "src/raw/census/__main__.py"


def _run(project: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *argv], cwd=project, capture_output=True, text=True, timeout=240,
        stdin=subprocess.DEVNULL,
    )


def test_a_child_pipelines_states_are_labelled(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    main = project / RAW_MAIN
    main.write_text(
        main.read_text()
        .replace("import Function, PipelineDefinition", "import Function, NextFunction, NextFunctionTypes, PipelineDefinition")
        .replace(
            'Function(name="publish"),',
            'Function(name="publish", next_function=NextFunction(name="census", layer="processed", '
            "type=NextFunctionTypes.PIPELINE)),",
        )
    )
    result = _run(project, "run", "census", "--layer", "raw", "--event", '{"year": 2021}')
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert any(line.startswith("ok fetch Task") for line in lines), lines
    child = "pipeline-config-local-processed-census"
    assert any(line.startswith(f"ok {child} > aggregate Task") for line in lines), lines
    assert any(line.startswith(f"ok {child} > publish Task") for line in lines), lines


def test_plan_shows_the_placeholder_account_as_one_with_the_fix(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)  # baked without an account id
    result = _run(project, "plan", "prod", "--pipeline", "census", "--layer", "raw")
    assert result.returncode == 0, result.stderr
    assert (
        "Note: no AWS account is set, so ARNs show the placeholder account 123456789012. Fix: set "
        "UniversalConfig(account=...) in project_settings.py or AWS_ACCOUNT in .env."
    ) in " ".join(result.stdout.split())
