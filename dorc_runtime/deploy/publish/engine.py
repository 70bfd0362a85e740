"""The Docker engine seam: does an image exist locally, build one, push one.

:class:`DockerEngine` talks to the engine with the Docker SDK for Python, which honours
``DOCKER_HOST`` (and ``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``) like the ``docker`` CLI does;
tests use it against a real engine and a recording fake for what this machine cannot run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ...errors import DeployError, MissingToolError

ENGINE_TIMEOUT = 600  # seconds per API call: a build of a large image streams for minutes
ENGINE_FIX = (
    "start the Docker engine ('sudo systemctl start docker' on Linux, or open Docker Desktop) and "
    "check with 'docker info'; set DOCKER_HOST if the engine listens elsewhere, or set "
    "package_type='zip' on every Function to deploy without images"
)
LOG_TAIL = 15  # lines of a failed build's log shown in the error


class Engine(Protocol):
    def has_image(self, ref: str) -> bool: ...

    def build(
        self, context: Path, ref: str, platform: str, build_args: Mapping[str, str]
    ) -> None: ...

    def push(self, ref: str, repository_url: str, tag: str, auth: Mapping[str, str] | None) -> None:
        """Tag the local image ``ref`` as ``repository_url:tag`` and push that to its registry."""
        ...


def _where() -> str:
    return os.environ.get("DOCKER_HOST") or "the default socket (DOCKER_HOST is not set)"


def _tail(log: Iterable[Any]) -> str:
    lines = [str(entry.get("stream") or entry.get("error") or "").strip() for entry in log if isinstance(entry, dict)]
    return " | ".join([line for line in lines if line][-LOG_TAIL:])


@dataclass
class DockerEngine:
    """The real engine. ``network_mode`` is passed to builds (``host`` where RUN steps need the
    host's network because the engine runs without a bridge, as in this project's CI)."""

    client: Any  # docker.DockerClient
    network_mode: str | None = None

    @classmethod
    def from_environment(cls, network_mode: str | None = None) -> DockerEngine:
        """Connect as the ``docker`` CLI would; one clear error when no engine answers."""
        import docker
        from docker.errors import DockerException

        try:
            client = docker.from_env(timeout=ENGINE_TIMEOUT)
            client.ping()
        except DockerException as error:
            raise MissingToolError(
                f"No Docker engine answers at {_where()} ({type(error).__name__}); "
                "function images are built with it.",
                ENGINE_FIX,
            ) from None
        return cls(client, network_mode)

    def has_image(self, ref: str) -> bool:
        from docker.errors import ImageNotFound

        try:
            self.client.images.get(ref)
        except ImageNotFound:
            return False
        return True

    def build(
        self, context: Path, ref: str, platform: str, build_args: Mapping[str, str]
    ) -> None:
        # no per-function --label: the classic builder puts build labels into every step's config,
        # so they would defeat the layer cache that functions of a pipeline share
        from docker.errors import APIError, BuildError

        try:
            self.client.images.build(
                path=str(context),
                tag=ref,
                platform=platform,
                buildargs=dict(build_args),
                network_mode=self.network_mode,
                pull=False,  # the base image is pulled once by the engine, not re-checked per function
                rm=True,
                forcerm=True,
            )
        except BuildError as error:
            raise DeployError(
                f"Building {ref} for {platform} failed: {error.msg}. Last lines: {_tail(error.build_log)}",
                "fix the Dockerfile or the requirements it installs; 'invoke build' repeats the build",
            ) from None
        except APIError as error:
            raise DeployError(
                f"The Docker engine refused to build {ref} for {platform}: {error.explanation or error}.",
                "check 'docker info' (a build for another architecture needs QEMU/binfmt or Docker Desktop)",
            ) from None

    def push(self, ref: str, repository_url: str, tag: str, auth: Mapping[str, str] | None) -> None:
        from docker.errors import APIError

        try:
            self.client.images.get(ref).tag(repository_url, tag)
            stream = self.client.images.push(
                repository_url, tag=tag, auth_config=dict(auth) if auth else None, stream=True, decode=True
            )
            errors = [entry.get("error") for entry in stream if isinstance(entry, dict) and entry.get("error")]
        except APIError as error:
            errors = [str(error.explanation or error)]
        finally:
            self._untag(f"{repository_url}:{tag}")
        if errors:
            raise DeployError(
                f"Pushing {repository_url}:{tag} failed: {errors[-1]}",
                "check that the repository exists (deploy universal) and the credentials may push to it",
            )

    def _untag(self, ref: str) -> None:
        """Drop the registry name again: the local image keeps its local name only."""
        from docker.errors import APIError

        try:
            self.client.images.remove(ref, noprune=True)
        except APIError:
            pass  # never tagged (the tag call failed): nothing to drop
