"""Incremental deploys: changing one function's code changes exactly that function's image tag
and Lambda in the plan, nothing else; requirements and the Dockerfile change what they feed."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_projects import census_project

from dorc_runtime.deploy.plan import Plan, plan_project


def fingerprint(plan: Plan) -> dict[tuple[str, str, str], dict]:
    return {(r.stack, r.type, r.name): r.inputs for r in plan.resources}


def changed(before: Plan, after: Plan) -> set[tuple[str, str, str]]:
    old, new = fingerprint(before), fingerprint(after)
    assert old.keys() == new.keys()
    return {key for key in old if old[key] != new[key]}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return census_project(tmp_path / "acme-data")


def test_one_function_changed_changes_only_its_image_and_lambda(project: Path) -> None:
    before = plan_project(project, "prod")
    assert plan_project(project, "prod").resources == before.resources  # deterministic
    handler = project / "src/raw/census/src/validate/lambda.py"
    handler.write_text(handler.read_text() + "\n# a new line of code\n")
    (project / "src/raw/census/src/validate/__pycache__").mkdir()
    (project / "src/raw/census/src/validate/__pycache__/lambda.cpython-312.pyc").write_bytes(b"cache")
    after = plan_project(project, "prod")
    stack = "raw/census [prod]"
    assert changed(before, after) == {
        (stack, "docker:index/image:Image", "validate-image"),
        (stack, "aws:lambda/function:Function", "validate"),
    }


def test_zip_function_changes_only_its_lambda(project: Path) -> None:
    before = plan_project(project, "prod")
    (project / "src/processed/census/src/publish/helpers.py").write_text("X = 1\n")
    after = plan_project(project, "prod")
    assert changed(before, after) == {("processed/census [prod]", "aws:lambda/function:Function", "publish")}


def test_pipeline_requirements_change_that_pipelines_functions(project: Path) -> None:
    before = plan_project(project, "prod")
    (project / "src/raw/census/requirements.txt").write_text("requests==2.32.3\n")
    after = plan_project(project, "prod")
    assert {(stack, name) for stack, _, name in changed(before, after)} == {
        ("raw/census [prod]", name) for fn in ("fetch", "validate", "publish") for name in (fn, f"{fn}-image")
    }


def test_dockerfile_changes_every_image_but_no_zip(project: Path) -> None:
    before = plan_project(project, "prod")
    (project / "Dockerfile").write_text((project / "Dockerfile").read_text() + "ENV X=1\n")
    after = plan_project(project, "prod")
    keys = changed(before, after)
    assert ("processed/census [prod]", "aws:lambda/function:Function", "publish") not in keys  # the zip one
    names = {name for _, _, name in keys}
    assert names == {"fetch", "fetch-image", "validate", "validate-image", "publish", "publish-image",
                     "aggregate", "aggregate-image", "one", "one-image"}  # fmt: skip
