"""The publisher over recording seams: build what is missing, push what the registry lacks.

The real engine and a real registry run the same code in test_publish_docker.py; these fakes cover
what this machine cannot do for real (an arm64 build on an amd64 host)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_projects import census_project
from publish_fakes import FakeEngine, FakeRegistry

from dorc_runtime.deploy.publish import ImageStatus, build_images, publish_images
from dorc_runtime.deploy.publish.stage import project_assets
from dorc_runtime.project import Project


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return census_project(tmp_path / "acme-data")


def assets(root: Path):
    project = Project(root)
    return project_assets(project, project.all_pipelines())


def test_build_builds_each_image_once_then_nothing(root: Path) -> None:
    engine = FakeEngine()
    first = build_images(assets(root), engine)
    assert [(r.asset.key, r.status) for r in first] == [
        ("processed/census/aggregate", ImageStatus.BUILT),
        ("processed/quick/one", ImageStatus.BUILT),
        ("raw/census/fetch", ImageStatus.BUILT),
        ("raw/census/validate", ImageStatus.BUILT),
        ("raw/census/publish", ImageStatus.BUILT),
    ]
    assert engine.pushes == []  # build never pushes
    second = build_images(assets(root), engine)
    assert {r.status for r in second} == {ImageStatus.UP_TO_DATE} and len(engine.builds) == 5


def test_each_build_gets_its_staged_context_and_platform(root: Path) -> None:
    engine = FakeEngine()
    (aggregate, *_) = build_images(assets(root), engine)
    built = engine.images[aggregate.asset.local_ref]
    assert built == {
        "files": ["Dockerfile", "requirements.txt", "src/processed/census/requirements.txt",
                  "src/processed/census/src/aggregate/lambda.py"],  # fmt: skip
        "platform": "linux/arm64",
        "build_args": {"PIPELINE_PATH": "src/processed/census", "CODE_PATH": "src/processed/census/src/aggregate"},
    }


def test_publish_skips_tags_the_registry_holds_and_a_second_publish_pushes_nothing(root: Path) -> None:
    engine, registry = FakeEngine(), FakeRegistry()
    first = publish_images(assets(root), engine, registry)
    assert {r.status for r in first} == {ImageStatus.PUSHED} and len(engine.pushes) == 5
    registry.take(engine)
    # a second deploy, or a second environment on a fresh machine: nothing built, nothing pushed
    fresh = FakeEngine()
    second = publish_images(assets(root), fresh, registry)
    assert {r.status for r in second} == {ImageStatus.UP_TO_DATE}
    assert (fresh.builds, fresh.pushes) == ([], [])


def test_a_changed_function_publishes_exactly_one_new_tag(root: Path) -> None:
    engine, registry = FakeEngine(), FakeRegistry()
    publish_images(assets(root), engine, registry)
    registry.take(engine)
    engine.pushes.clear()
    handler = root / "src/raw/census/src/validate/lambda.py"
    handler.write_text(handler.read_text() + "\n# changed\n")
    results = publish_images(assets(root), engine, registry)
    assert [r.asset.key for r in results if r.status is ImageStatus.PUSHED] == ["raw/census/validate"]
    (uri,) = engine.pushes
    assert uri.startswith("registry.example/acme-data/raw/census/validate:")


def test_an_architecture_change_builds_the_new_platforms_tag(root: Path) -> None:
    """Recorded, not run: an arm64 -> amd64 switch asks the engine for the new platform under a new tag."""
    engine, registry = FakeEngine(), FakeRegistry()
    publish_images(assets(root), engine, registry)
    registry.take(engine)
    main = root / "src/processed/census/__main__.py"
    main.write_text(main.read_text().replace('architecture="arm64"', 'architecture="x86_64"'))
    engine.builds.clear()
    results = publish_images(assets(root), engine, registry)
    (pushed,) = [r for r in results if r.status is ImageStatus.PUSHED]
    assert pushed.asset.key == "processed/census/aggregate"
    assert engine.builds == [(pushed.asset.local_ref, "linux/amd64")]
    old_tags = registry.tags["acme-data/processed/census/aggregate"]
    assert pushed.asset.tag not in old_tags and len(old_tags) == 1
