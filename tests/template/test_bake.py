"""Bake the template with default and varied answers and check what it generates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dorc_runtime.project import Project
from dorc_runtime.submissions.routes import load_routes
from dorc_runtime.validation.project import project_problems

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

COMMON = [
    "project_settings.py",
    "tasks.py",
    "Dockerfile",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "pyproject.toml",
    "README.md",
    ".env.example",
    ".gitignore",
    ".dockerignore",
    ".dorc-template.json",
    ".github/workflows/ci.yml",
    "tests/test_project.py",
    "conftest.py",
    "universal/__main__.py",
    "universal/Pulumi.yaml",
    "universal/Pulumi.universal.yaml",
    "infra/__main__.py",
    "infra/Pulumi.yaml",
    "routes.py",
]

VARIED = {
    "one-layer": dict(project_name="Stats Office", layers="default", environments="prod"),
    "three-envs": dict(
        project_name="Census Data",
        project_slug="census-data",
        aws_region="us-east-1",
        aws_account_id="123456789012",
        environments="dev, test,prod",
        layers="bronze,silver,gold",
        python_version="3.13",
        include_example="no",
    ),
    "long-names": dict(
        project_slug="a-thirty-character-long-slugxx",
        environments="preprod123",
        layers="raw_to_processed_layer_name_long,processed",
        python_version="3.11",
    ),
}


def _runtime_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_default_bake_has_the_full_tree(baked_project: Path) -> None:
    assert baked_project.name == "pipeline-config"
    for rel in COMMON:
        assert (baked_project / rel).is_file(), rel
    assert not (baked_project / "_examples").exists()
    assert sorted(p.name for p in (baked_project / "src").iterdir()) == ["processed", "raw"]
    for env in ("preprod", "prod"):
        stack = yaml.safe_load((baked_project / "infra" / f"Pulumi.{env}.yaml").read_text())
        assert stack == {"config": {"aws:region": "eu-west-2", "pipeline-config-infra:environment": env}}
    assert yaml.safe_load((baked_project / "infra/Pulumi.yaml").read_text())["name"] == "pipeline-config-infra"
    universal = yaml.safe_load((baked_project / "universal/Pulumi.yaml").read_text())
    assert universal["name"] == "pipeline-config-universal"
    assert universal["runtime"] == {"name": "python", "options": {"virtualenv": "../.venv"}}


def test_runtime_is_vendored_unchanged(baked_project: Path) -> None:
    assert _runtime_files(baked_project / "dorc_runtime") == _runtime_files(REPO_ROOT / "dorc_runtime")


def test_examples_are_placed_with_their_stacks(baked_project: Path) -> None:
    project = Project(baked_project)
    assert project.all_pipelines() == [("processed", "census"), ("raw", "census")]
    for layer in ("raw", "processed"):
        folder = baked_project / "src" / layer / "census"
        pulumi = yaml.safe_load((folder / "Pulumi.yaml").read_text())
        assert pulumi["name"] == f"pipeline-config-{layer}-census"
        assert pulumi["runtime"]["options"]["virtualenv"] == "../../../.venv"
        stack = yaml.safe_load((folder / "Pulumi.prod.yaml").read_text())
        assert stack == {"config": {"aws:region": "eu-west-2", f"pipeline-config-{layer}-census:environment": "prod"}}


def test_record_of_template_and_answers(baked_project: Path) -> None:
    record = json.loads((baked_project / ".dorc-template.json").read_text())
    assert record["template"] == str(REPO_ROOT)
    assert record["dorc_runtime_version"] == "0.1.0"
    assert record["answers"]["project_slug"] == "pipeline-config"
    assert record["answers"]["layers"] == "raw,processed"
    assert not any(key.startswith("_") for key in record["answers"])


def test_settings_hold_the_answers(baked_project: Path) -> None:
    settings = Project(baked_project).settings()
    universal = settings.UNIVERSAL
    assert (universal.region, universal.project, universal.account) == ("eu-west-2", "pipeline-config", None)
    assert universal.environments == ("preprod", "prod")
    assert universal.python_version == "3.12"
    assert list(settings.ENVIRONMENTS) == ["preprod", "prod"]
    assert settings.config("prod").environment == "prod"


def test_default_project_validates(baked_project: Path) -> None:
    assert project_problems(Project(baked_project)) == []


def test_dockerfile_passes_hadolint(baked_project: Path) -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", "Dockerfile"],
        cwd=baked_project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (baked_project / "Dockerfile").read_text()
    assert "FROM public.ecr.aws/lambda/python:3.12" in text
    assert 'CMD ["lambda.handler"]' in text


def _run_project_tests(project: Path) -> subprocess.CompletedProcess:
    """The generated project's own test suite, with this (shared) environment's Python."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_generated_project_tests_pass(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    result = _run_project_tests(project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


@pytest.mark.parametrize("case", sorted(VARIED))
def test_varied_answers_bake_a_valid_project(bake, case: str) -> None:
    answers = VARIED[case]
    project_dir = bake(**answers)
    project = Project(project_dir)
    envs = [e.strip() for e in answers.get("environments", "preprod,prod").split(",")]
    layers = [lyr.strip() for lyr in answers.get("layers", "raw,processed").split(",")]
    settings = project.settings()
    assert list(settings.ENVIRONMENTS) == envs
    assert settings.UNIVERSAL.python_version == answers.get("python_version", "3.12")
    assert sorted(project.layers()) == sorted(layers)
    for env in envs:
        assert (project_dir / "infra" / f"Pulumi.{env}.yaml").is_file()
    if answers.get("include_example", "yes") == "yes":
        pipelines = project.all_pipelines()
        if len(layers) == 1:
            assert pipelines == [(layers[0], "census"), (layers[0], "census_summary")]
        else:
            assert pipelines == sorted([(layers[0], "census"), (layers[1], "census")])
        route = load_routes(project_dir).match("census_2021_v1")
        assert (route.layer, route.pipeline) == (layers[0], "census")
        assert (project_dir / "samples/census_2021_v1/manifest.json").is_file()
    else:
        assert project.all_pipelines() == []
        assert load_routes(project_dir).routes == ()
    region = answers.get("aws_region", "eu-west-2")
    stack_files = sorted(project_dir.glob("**/Pulumi.*.yaml"))
    assert project_dir / "universal/Pulumi.universal.yaml" in stack_files
    assert len(stack_files) == 1 + len(envs) * (1 + len(project.all_pipelines()))
    for path in stack_files:  # the AWS provider deploys to the project's region, even run by hand
        assert yaml.safe_load(path.read_text())["config"]["aws:region"] == region, path
    version = answers.get("python_version", "3.12")
    assert f"FROM public.ecr.aws/lambda/python:{version}\n" in (project_dir / "Dockerfile").read_text()
    assert project_problems(project) == []


def test_one_layer_project_runs_its_own_tests(bake, project_copy) -> None:
    project = project_copy(bake(**VARIED["one-layer"]))
    result = _run_project_tests(project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
