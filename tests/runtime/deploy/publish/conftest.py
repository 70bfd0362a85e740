"""A real Docker engine and a real loopback OCI registry for the ``docker`` tests.

``.ci/docker-up`` starts both (and makes the stand-in Lambda base image); ``invoke test`` runs it
as root on Debian. A missing engine fails these tests, naming how to start one: never a skip. The
fixtures find the engine at DOCKER_HOST, the default socket, or a running ``.ci/docker-up``.
"""

from __future__ import annotations

import glob
import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from dorc_runtime.deploy.publish import DockerEngine
from dorc_runtime.errors import MissingToolError

STANDIN = "public.ecr.aws/lambda/python:3.12"  # the template's default base image, made by .ci/standin-image
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    )
)


def _unavailable(reason: str) -> None:
    pytest.fail(f"the docker tests need a Docker engine and a registry: {reason.rstrip('.')}; start them with "
                "'source .ci/docker-up' (as root), or run 'invoke test' as root")


def _ci_folders() -> list[Path]:
    return sorted(Path(p).parent for p in glob.glob("/tmp/dorc-docker.*/docker.sock"))


@pytest.fixture(scope="session")
def docker_engine() -> DockerEngine:
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists() and _ci_folders():
        os.environ["DOCKER_HOST"] = f"unix://{_ci_folders()[-1] / 'docker.sock'}"
    try:
        # the CI engine runs without a bridge: RUN steps get the host's network
        engine = DockerEngine.from_environment(network_mode="host")
    except MissingToolError as error:
        _unavailable(f"no Docker engine: {error.message}")
    if not engine.has_image(STANDIN):
        _unavailable(f"the engine has no {STANDIN} (run .ci/standin-image)")
    return engine


@dataclass
class LoopbackRegistry:
    """A real registry on 127.0.0.1 (Debian's docker-registry), behind the publisher's Registry seam."""

    address: str

    def repository_url(self, repository: str) -> str:
        return f"{self.address}/{repository}"

    def has_tag(self, repository: str, tag: str) -> bool:
        request = urllib.request.Request(
            f"http://{self.address}/v2/{repository}/manifests/{tag}", method="HEAD", headers={"Accept": MANIFEST_TYPES}
        )
        try:
            with urllib.request.urlopen(request, timeout=10):
                return True
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return False
            raise

    def auth(self) -> dict[str, str]:
        return {"username": "dorc", "password": "loopback", "serveraddress": self.address}

    def tags(self, repository: str) -> set[str]:
        try:
            with urllib.request.urlopen(f"http://{self.address}/v2/{repository}/tags/list", timeout=10) as answer:
                return set(json.load(answer).get("tags") or ())
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return set()
            raise


@pytest.fixture(scope="session")
def loopback_registry(docker_engine: DockerEngine) -> LoopbackRegistry:
    address = os.environ.get("DORC_TEST_REGISTRY")
    if not address:
        for folder in reversed(_ci_folders()):
            found = re.search(r"addr: (\S+)", (folder / "registry.yml").read_text())
            if found:
                address = found.group(1)
                break
    if not address:
        _unavailable("no loopback registry (DORC_TEST_REGISTRY is not set)")
    return LoopbackRegistry(address)
