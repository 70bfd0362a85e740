"""Everything a local run needs around the handlers, set up and torn down in one place:
the project's local settings, the environment that keeps boto3 local, the embedded AWS, the
holding store that persists between runs, each pipeline's Python environment and each function's
sandboxes (killed when the run ends, whatever their handlers left running)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ..errors import ProjectError
from ..names import check_environment
from ..naming import LOCAL_ACCOUNT, LOCAL_ENVIRONMENT, Naming
from ..project import Project
from .aws_guard import check_local_only, client_environment, environment
from .embedded_aws import EmbeddedAWS, code_mentions_aws
from .holding_store import HoldingStore
from .sandbox import environments
from .sandbox.workers import FunctionSandboxes, SandboxSpec


@dataclass(frozen=True)
class LocalSettings:
    """Which names a local run uses: environment ``local`` and moto's account unless ``--env``."""

    project: Project
    slug: str
    region: str
    environment: str
    account: str
    python_version: str  # the project's Lambda Python version

    @classmethod
    def of(cls, project: Project, environment_name: str | None = None) -> LocalSettings:
        settings = project.settings()
        universal = getattr(settings, "UNIVERSAL", None)
        if universal is None:
            raise ProjectError(f"{project.root / 'project_settings.py'} defines no UNIVERSAL.",
                               "define UNIVERSAL = UniversalConfig(...) as the template does")
        if environment_name is None:
            return cls(project, universal.slug, universal.region, LOCAL_ENVIRONMENT, LOCAL_ACCOUNT,
                       universal.python_version)
        check_environment(environment_name)
        known = [LOCAL_ENVIRONMENT, *getattr(settings, "ENVIRONMENTS", {})]
        if environment_name not in known:
            raise ProjectError(f"Unknown environment {environment_name!r}.", f"use one of {known}")
        return cls(project, universal.slug, universal.region, environment_name, universal.account or LOCAL_ACCOUNT,
                   universal.python_version)

    @property
    def naming(self) -> Naming:
        return Naming(self.slug, self.environment)

    @property
    def holding_bucket(self) -> str:
        return self.naming.holding_bucket(self.account)


class LocalSession:
    """``with LocalSession(settings) as session:`` handlers may be loaded and run, with boto3
    pointed at the embedded AWS. On exit, whatever happened, the holding store is saved, the
    server process has ended and this process is as it was."""

    def __init__(self, settings: LocalSettings, store: HoldingStore | None = None,
                 aws: EmbeddedAWS | None = None) -> None:
        """``aws``: an embedded AWS made earlier, whose process may already have started
        (``invoke run`` starts it before it imports the rest, so that moto loads meanwhile)."""
        self.settings = settings
        self.store = store or HoldingStore.of_project(settings.project.root)
        self.aws = aws or EmbeddedAWS()
        self._environments: dict[tuple[str, str], environments.Environment] = {}
        self._sandboxes: list[FunctionSandboxes] = []
        self._lock = threading.Lock()
        self._log_dir: Path | None = None

    def __enter__(self) -> LocalSession:
        with ExitStack() as stack:
            stack.callback(self.aws.stop)
            stack.enter_context(environment(client_environment(self.aws.endpoint_url, self.settings.region)))
            # the environment the handlers will see, in AWS's precedence order, before any of them
            # is even imported
            check_local_only(os.environ)
            self._log_dir = Path(tempfile.mkdtemp(prefix="dorc-sandboxes-"))
            stack.callback(shutil.rmtree, self._log_dir, ignore_errors=True)
            stack.callback(self._close_sandboxes)
            self.aws.load(self.store.root, self.settings.holding_bucket, self.settings.region)
            if self.aws.spawned or self.uses_aws():
                self.aws.start_now()  # moto loads on another core while the handlers load here
            else:
                self.aws.start_on_first_request()
            self._stack = stack.pop_all()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.close()

    def environment(self, layer: str, pipeline: str, pipeline_dir: Path) -> environments.Environment:
        """The pipeline's Python environment, built the first time (see :mod:`.sandbox.environments`)."""
        key = (layer, pipeline)
        if key not in self._environments:
            request = environments.EnvironmentRequest.for_pipeline(
                self.settings.project.root, pipeline_dir, f"{layer}/{pipeline}", self.settings.python_version)
            self._environments[key] = environments.ensure(request)
        return self._environments[key]

    def sandboxes(self, spec: SandboxSpec) -> FunctionSandboxes:
        """A function's sandboxes, closed when the session ends."""
        assert self._log_dir is not None, "open the session first"
        made = FunctionSandboxes(spec, self._log_dir)
        with self._lock:
            self._sandboxes.append(made)
        return made

    def _close_sandboxes(self) -> None:
        with self._lock:
            made, self._sandboxes = self._sandboxes, []
        for sandboxes in made:  # all of them killed first: they end together, not one after another
            sandboxes.stop()
        for sandboxes in made:
            sandboxes.close()

    @property
    def endpoint_url(self) -> str:
        return self.aws.endpoint_url

    def holding_path(self) -> Path:
        """Where the holding bucket's objects are on disk after the run."""
        return self.store.bucket_dir(self.settings.holding_bucket)

    def uses_aws(self) -> bool:
        """Does the project's code look like it calls AWS? Each function's own modules
        (``src/<layer>/<pipeline>/src/<function>/*.py``) are read until one mentions an AWS SDK."""
        return code_mentions_aws(self.settings.project)
