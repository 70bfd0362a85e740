"""The baked project's images, built for real from the stand-in Lambda base image and pushed to a
real registry on the loopback interface, by the same code ``invoke build`` and ``invoke deploy`` run.

One pipeline of the baked project (processed/census: two functions) keeps this part of the suite
short: with the vfs storage driver every build step copies the whole image. What cannot run here
(an arm64 build on this amd64 host) is covered with a recording engine in test_publish_publisher.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dorc_runtime.deploy.publish import ImageStatus, publish_images
from dorc_runtime.deploy.publish.stage import project_assets
from dorc_runtime.project import Project

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]
PIPELINE = ("processed", "census")


@pytest.fixture(scope="module")
def project(baked_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the baked project, littered with what must never reach an image."""
    root = tmp_path_factory.mktemp("docker") / baked_project.name
    shutil.copytree(baked_project, root)
    (root / ".venv/lib").mkdir(parents=True)
    (root / ".venv/lib/site.py").write_text("# a virtualenv\n")
    (root / ".git").mkdir()
    (root / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (root / ".dorc/pulumi-state").mkdir(parents=True)
    (root / ".dorc/pulumi-state/stack.json").write_text("{}")
    (root / ".env").write_text("PULUMI_CONFIG_PASSPHRASE=never-in-an-image\n")
    function = root / "src/processed/census/src/aggregate"
    (function / "__pycache__").mkdir()
    (function / "__pycache__/lambda.cpython-312.pyc").write_bytes(b"cache")
    (function / ".env").write_text("SECRET=1\n")
    return root


def assets(project: Path):
    return project_assets(Project(project), [PIPELINE])


def invoke_build(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "build", "--pipeline", "census", "--layer", "processed"],
        cwd=project, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def built(project: Path, docker_engine) -> list:
    """``invoke build`` as a user runs it (this engine through DOCKER_HOST), once for the module."""
    done = invoke_build(project)
    assert done.returncode == 0, done.stdout + done.stderr
    return assets(project)


# One container per image (with vfs each container copies the whole image): list /var/task, look
# for what must never be in an image, and import the handler the way Lambda resolves "lambda.handler".
INSPECT = """\
cd /var/task && find . -type f | sort
echo ---
find / -xdev \\( -name .venv -o -name .git -o -name .dorc -o -name .env -o -name stack.json \\) -print
echo ---
python3 -c "import importlib; print(callable(importlib.import_module('lambda').handler))"
"""


@pytest.fixture(scope="module")
def inspected(built, docker_engine) -> dict[str, tuple[list[str], list[str], str]]:
    """key -> (files under /var/task, forbidden paths found anywhere, handler import result)."""
    found = {}
    for asset in built:
        out = docker_engine.client.containers.run(asset.local_ref, ["-c", INSPECT], entrypoint="/bin/sh", remove=True)
        files, forbidden, handler = out.decode().split("---\n")
        found[asset.key] = (
            [line.removeprefix("./") for line in files.split()],
            forbidden.split(),
            handler.strip(),
        )
    return found


def test_invoke_build_a_second_time_builds_nothing(project: Path, built, docker_engine) -> None:
    images_before = {image.id for image in docker_engine.client.images.list(all=True)}
    done = invoke_build(project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == [f"{a.key}  {a.tag}  linux/amd64  up to date" for a in built]
    assert {image.id for image in docker_engine.client.images.list(all=True)} == images_before


def test_each_image_holds_exactly_the_staged_files(inspected) -> None:
    # the Dockerfile copies the two requirements files and the function folder into LAMBDA_TASK_ROOT
    for key in ("processed/census/aggregate", "processed/census/publish"):
        files, forbidden, _ = inspected[key]
        assert files == ["global-requirements.txt", "lambda.py", "requirements.txt"], key
        assert forbidden == [], key  # no .venv, .git, .dorc, .env or Pulumi state anywhere


def test_the_handler_imports_inside_the_image(inspected) -> None:
    """``python3 -c "import importlib; importlib.import_module('lambda')"`` in /var/task, with the
    stand-in's boto3 as the Lambda image has it (the census handlers import boto3)."""
    assert {key: handler for key, (_, _, handler) in inspected.items()} == {
        "processed/census/aggregate": "True",
        "processed/census/publish": "True",
    }


def test_publish_pushes_once_then_nothing_then_exactly_the_changed_function(
    project: Path, built, docker_engine, loopback_registry
) -> None:
    pushed: list[str] = []

    class Spy:
        """The real engine, counting pushes."""

        def __getattr__(self, name):
            return getattr(docker_engine, name)

        def push(self, ref, repository_url, tag, auth):
            pushed.append(f"{repository_url}:{tag}")
            docker_engine.push(ref, repository_url, tag, auth)

    first = publish_images(built, Spy(), loopback_registry)
    already = [r.asset.key for r in first if r.status is ImageStatus.UP_TO_DATE]  # from an earlier local run
    assert {r.status for r in first} <= {ImageStatus.PUSHED, ImageStatus.UP_TO_DATE}
    assert len(pushed) == 2 - len(already)
    for asset in built:
        assert asset.tag in loopback_registry.tags(asset.repository)

    pushed.clear()
    second = publish_images(assets(project), Spy(), loopback_registry)
    assert [r.status for r in second] == [ImageStatus.UP_TO_DATE] * 2 and pushed == []

    handler = project / "src/processed/census/src/publish/lambda.py"
    change = f"\n# a changed line ({uuid.uuid4().hex}: new content on every run, so a new tag)\n"
    handler.write_text(handler.read_text() + change)
    try:
        third = publish_images(assets(project), Spy(), loopback_registry)
        statuses = {r.asset.key: r.status for r in third}
        assert statuses == {"processed/census/aggregate": ImageStatus.UP_TO_DATE,
                            "processed/census/publish": ImageStatus.PUSHED}  # fmt: skip
        (new,) = [r.asset for r in third if r.status is ImageStatus.PUSHED]
        assert pushed == [f"{loopback_registry.address}/{new.repository}:{new.tag}"]
        assert {new.tag, built[1].tag} <= loopback_registry.tags(new.repository)
        assert docker_engine.has_image(new.local_ref)  # built from the stand-in on the way
    finally:
        handler.write_text(handler.read_text().replace(change, ""))


def test_functions_of_a_pipeline_share_every_layer_but_their_own_folder(built, docker_engine) -> None:
    aggregate, publish = (docker_engine.client.images.get(a.local_ref).attrs for a in built)
    assert (aggregate["Os"], aggregate["Architecture"]) == ("linux", "amd64")
    # base, global requirements, pipeline requirements (a RUN that installs nothing adds no layer),
    # then the function folder: only the last differs
    layers_a, layers_p = aggregate["RootFS"]["Layers"], publish["RootFS"]["Layers"]
    assert len(layers_a) == len(layers_p) >= 4
    assert layers_a[:-1] == layers_p[:-1] and layers_a[-1] != layers_p[-1]
