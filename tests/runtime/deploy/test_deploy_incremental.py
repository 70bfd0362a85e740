"""Incremental deploys, proven on the plan: changing one function's code changes exactly that
function's Lambda (its image URI), nothing else; requirements and the Dockerfile change what they
feed; what never goes into an image (.dorc state, .git, .venv, .env, caches) changes nothing; a
second plan is input-identical; and two environments reference the very same images."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from deploy_projects import census_project

from dorc_runtime.deploy.plan import Plan, plan_project

LAMBDA = "aws:lambda/function:Function"
IMAGE_URI = re.compile(r"^111122223333\.dkr\.ecr\.eu-west-2\.amazonaws\.com/acme-data/[a-z/]+:[0-9a-f]{20}$")


def fingerprint(plan: Plan) -> dict[tuple[str, str, str], dict]:
    return {(r.stack, r.type, r.name): r.inputs for r in plan.resources}


def changed(before: Plan, after: Plan) -> set[tuple[str, str, str]]:
    old, new = fingerprint(before), fingerprint(after)
    assert old.keys() == new.keys()
    return {key for key in old if old[key] != new[key]}


def image_uris(plan: Plan) -> dict[str, str]:
    """Lambda logical name (layer/pipeline/function) -> image URI, for image functions."""
    found = {}
    for r in plan.of_type(LAMBDA):
        if r.inputs["packageType"] == "Image":
            found[f"{r.stack.split(' ')[0]}/{r.name}"] = r.inputs["imageUri"]
    return found


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return census_project(tmp_path / "acme-data")


@pytest.mark.timeout(240)
def test_second_plan_is_input_identical_and_state_folders_change_nothing(project: Path) -> None:
    before = plan_project(project, "prod")
    # what a deploy, git and a developer leave in the project never reaches an image or a resource
    (project / ".dorc/pulumi-state").mkdir(parents=True)
    (project / ".dorc/pulumi-state/stack.json").write_text("{}")
    (project / ".git").mkdir()
    (project / ".git/index").write_bytes(b"git")
    (project / ".venv/lib").mkdir(parents=True)
    (project / ".env").write_text("PULUMI_CONFIG_PASSPHRASE=secret\n")
    function = project / "src/raw/census/src/validate"
    (function / "__pycache__").mkdir()
    (function / "__pycache__/lambda.cpython-312.pyc").write_bytes(b"cache")
    (function / ".env").write_text("SECRET=1\n")
    (function / ".venv").mkdir()
    (function / ".venv/pyvenv.cfg").write_text("home = /usr\n")
    after = plan_project(project, "prod")
    assert fingerprint(after) == fingerprint(before)
    assert after.resources == before.resources


@pytest.mark.timeout(240)
def test_environments_reference_identical_images_and_no_image_resources(project: Path) -> None:
    prod, preprod = plan_project(project, "prod"), plan_project(project, "preprod")
    uris = image_uris(prod)
    assert sorted(uris) == ["processed/census/aggregate", "processed/quick/one",
                            "raw/census/fetch", "raw/census/publish", "raw/census/validate"]  # fmt: skip
    assert all(IMAGE_URI.match(uri) for uri in uris.values()), uris
    assert image_uris(preprod) == uris  # one image per content, shared by every environment
    for plan in (prod, preprod):
        assert not [r for r in plan.resources if r.type.startswith("docker:")]


def test_one_function_changed_changes_only_its_lambda(project: Path) -> None:
    before = plan_project(project, "prod")
    handler = project / "src/raw/census/src/validate/lambda.py"
    handler.write_text(handler.read_text() + "\n# a new line of code\n")
    after = plan_project(project, "prod")
    assert changed(before, after) == {("raw/census [prod]", LAMBDA, "validate")}
    old, new = image_uris(before), image_uris(after)
    assert {key for key in old if old[key] != new[key]} == {"raw/census/validate"}


def test_architecture_change_gives_a_new_image_tag(project: Path) -> None:
    before = plan_project(project, "prod")
    main = project / "src/processed/census/__main__.py"
    main.write_text(main.read_text().replace('architecture="arm64"', 'architecture="x86_64"'))
    after = plan_project(project, "prod")
    assert changed(before, after) == {("processed/census [prod]", LAMBDA, "aggregate")}
    old = before.of_type(LAMBDA, "processed/census [prod]")
    new = after.of_type(LAMBDA, "processed/census [prod]")
    (old_fn,) = [r for r in old if r.name == "aggregate"]
    (new_fn,) = [r for r in new if r.name == "aggregate"]
    assert (old_fn.inputs["architectures"], new_fn.inputs["architectures"]) == (["arm64"], ["x86_64"])
    assert old_fn.inputs["imageUri"] != new_fn.inputs["imageUri"]


def test_zip_function_changes_only_its_lambda(project: Path) -> None:
    before = plan_project(project, "prod")
    (project / "src/processed/census/src/publish/helpers.py").write_text("X = 1\n")
    after = plan_project(project, "prod")
    assert changed(before, after) == {("processed/census [prod]", LAMBDA, "publish")}


def test_pipeline_requirements_change_that_pipelines_functions(project: Path) -> None:
    before = plan_project(project, "prod")
    (project / "src/raw/census/requirements.txt").write_text("requests==2.32.3\n")
    after = plan_project(project, "prod")
    assert changed(before, after) == {("raw/census [prod]", LAMBDA, fn) for fn in ("fetch", "validate", "publish")}


def test_dockerfile_changes_every_image_but_no_zip(project: Path) -> None:
    before = plan_project(project, "prod")
    (project / "Dockerfile").write_text((project / "Dockerfile").read_text() + "ENV X=1\n")
    after = plan_project(project, "prod")
    keys = changed(before, after)
    assert ("processed/census [prod]", LAMBDA, "publish") not in keys  # the zip one
    assert {(stack.split(" ")[0], name) for stack, _, name in keys} == {
        ("raw/census", "fetch"), ("raw/census", "validate"), ("raw/census", "publish"),
        ("processed/census", "aggregate"), ("processed/quick", "one"),
    }  # fmt: skip
