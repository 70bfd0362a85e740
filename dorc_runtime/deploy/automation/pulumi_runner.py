"""The real :class:`~.runner.StackRunner`: Pulumi's Automation API over the project's programs.

Each stack is a *local program* (``LocalWorkspace`` with ``work_dir`` = the program folder), so
Pulumi runs the very ``__main__.py`` the user reads. ``pulumi.automation`` is imported here only,
and this module only from the task bodies, so ``invoke --list`` stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from pulumi import automation as auto

from ...errors import DeployError, MissingToolError
from ...naming import Naming
from .backend import Backend
from .engine_events import EngineEventRelay
from .fingerprints import FINGERPRINT_TAG
from .preflight import PULUMI_FIX
from .runner import Progress, StackResult
from .stacks import Layout, StackKind, StackRef, program_environment

SECRET_MASK = "[secret]"
ERROR_TAIL_LINES = 12


class PulumiStackRunner:
    def __init__(
        self,
        layout: Layout,
        backend: Backend,
        passphrase: str | None,
        python: str = sys.executable,
        inherited_env: Mapping[str, str] | None = None,
    ) -> None:
        self.layout = layout
        self.backend = backend
        self.passphrase = passphrase
        self.python = python
        self.inherited_env = dict(os.environ if inherited_env is None else inherited_env)

    # -- StackRunner ----------------------------------------------------------------------------
    def preview(self, stack: StackRef, progress: Progress) -> StackResult:
        progress.stack_started(stack, "preview")
        pulumi_stack = self._open(stack, create=True)
        result = self._stream(stack, progress, "preview", pulumi_stack.preview)
        return self._finish(progress, StackResult(stack, "preview", _counts(result.change_summary)))

    def up(self, stack: StackRef, progress: Progress) -> StackResult:
        progress.stack_started(stack, "up")
        pulumi_stack = self._open(stack, create=True)
        result = self._stream(stack, progress, "up", pulumi_stack.up)
        return self._finish(progress, StackResult(stack, "up", _counts(result.summary.resource_changes)))

    def destroy(self, stack: StackRef, progress: Progress) -> StackResult:
        progress.stack_started(stack, "destroy")
        removed = stack.kind is StackKind.PIPELINE and not _has_program(stack)
        # a removed or renamed pipeline: its folder is gone, its stack is not
        pulumi_stack = self._open_without_program(stack) if removed else self._open(stack, create=False)
        if pulumi_stack is None:
            return self._finish(progress, StackResult(stack, "destroy"))
        # remove=True only without a folder: `stack rm` would also delete the user's
        # Pulumi.<env>.yaml, but a removed pipeline has none, and its stack must leave the backend
        # so that deploy stops listing it
        operation = functools.partial(pulumi_stack.destroy, remove=True) if removed else pulumi_stack.destroy
        result = self._stream(stack, progress, "destroy", operation)
        return self._finish(progress, StackResult(stack, "destroy", _counts(result.summary.resource_changes)))

    def outputs(self, stack: StackRef) -> dict[str, Any]:
        pulumi_stack = self._open(stack, create=False)
        if pulumi_stack is None:
            raise DeployError(
                f"The {stack.label} stack does not exist in {self.backend.describe()}.",
                "deploy it first with 'invoke deploy'",
            )
        outputs = self._run(stack, "stack output", pulumi_stack.outputs)
        return {key: SECRET_MASK if out.secret else out.value for key, out in outputs.items()}

    def resource_count(self, stack: StackRef) -> int:
        if not _has_program(stack):
            return 0
        workspace = auto.LocalWorkspace(work_dir=str(stack.work_dir), env_vars=self._env(stack))
        summaries = self._run(stack, "stack ls", workspace.list_stacks)
        for summary in summaries:
            # file/s3 backends may report "organization/<project>/<stack>"
            if summary.name == stack.name or summary.name.endswith(f"/{stack.name}"):
                return summary.resource_count or 0
        return 0

    def backend_stacks(self) -> list[tuple[str, str]]:
        universal = self.layout.universal()
        self._ensure_backend_folder()
        workspace = auto.LocalWorkspace(work_dir=str(universal.work_dir), env_vars=self._env(universal))
        summaries = self._run(universal, "stack ls --all", lambda: workspace.list_stacks(include_all=True))
        # a stack destroyed but kept (destroy without remove) has no resources left to report
        found = [_project_and_stack(summary.name) for summary in summaries if summary.resource_count != 0]
        return [pair for pair in found if pair]

    def cancel(self, stack: StackRef) -> None:
        pulumi_stack = self._open(stack, create=False)
        if pulumi_stack is not None:
            self._run(stack, "cancel", pulumi_stack.cancel)

    def read_fingerprint(self, stack: StackRef) -> str | None:
        if not _has_program(stack):
            return None
        tags = self._run(stack, "stack tag ls", lambda: self._workspace(stack).list_tags(stack.name))
        return tags.get(FINGERPRINT_TAG)

    def record_fingerprint(self, stack: StackRef, fingerprint: str) -> None:
        workspace = self._workspace(stack)
        self._run(stack, "stack tag set", lambda: workspace.set_tag(stack.name, FINGERPRINT_TAG, fingerprint))

    # -- helpers --------------------------------------------------------------------------------
    def _ensure_backend_folder(self) -> None:
        if self.backend.local_path is not None:
            # Pulumi's file backend does not create its folder
            self.backend.local_path.mkdir(parents=True, exist_ok=True)

    def _open_without_program(self, stack: StackRef) -> auto.Stack | None:
        """Select a pipeline stack whose folder is gone, with an empty inline program in a temporary
        workspace: destroy works from the stack's state and never runs the program."""
        assert stack.layer is not None and stack.pipeline is not None
        self._ensure_backend_folder()
        project = Naming.pipeline_project(self.layout.slug, stack.layer, stack.pipeline)
        options = auto.LocalWorkspaceOptions(
            env_vars=self._env(stack),
            secrets_provider="passphrase" if self.backend.needs_passphrase else None,
            project_settings=auto.ProjectSettings(name=project, runtime="python"),
        )
        try:
            selected = auto.select_stack(
                stack_name=stack.name, project_name=project, program=_no_program, opts=options
            )
        except auto.StackNotFoundError:
            return None
        except auto.CommandError as error:
            raise _deploy_error(stack, "stack select", error) from None
        if self.backend.needs_passphrase:
            self._restore_encryption_salt(stack, selected)
        return selected

    def _restore_encryption_salt(self, stack: StackRef, selected: auto.Stack) -> None:
        """The passphrase provider's salt lived in the deleted Pulumi.<stack>.yaml; the state keeps a
        copy (``secrets_providers.state.salt``), so the temporary stack file gets it back."""
        deployment = self._run(stack, "stack export", selected.export_stack).deployment or {}
        salt = ((deployment.get("secrets_providers") or {}).get("state") or {}).get("salt")
        if salt:
            selected.workspace.save_stack_settings(stack.name, auto.StackSettings(encryption_salt=salt))

    def _workspace(self, stack: StackRef) -> auto.LocalWorkspace:
        self._ensure_backend_folder()
        return auto.LocalWorkspace(work_dir=str(stack.work_dir), env_vars=self._env(stack))

    def _env(self, stack: StackRef) -> dict[str, str]:
        return program_environment(
            self.layout, stack, self.backend, self.passphrase, self.python, self.inherited_env
        )

    def _open(self, stack: StackRef, create: bool) -> auto.Stack | None:
        if not _has_program(stack):
            raise DeployError(
                f"{stack.work_dir} has no Pulumi.yaml, so the {stack.label} stack has no program.",
                "restore the folder from the template (every program folder has Pulumi.yaml and __main__.py)",
            )
        self._ensure_backend_folder()
        options = auto.LocalWorkspaceOptions(
            env_vars=self._env(stack),
            secrets_provider="passphrase" if self.backend.needs_passphrase else None,
        )
        work_dir = str(stack.work_dir)
        try:
            return self._select(stack, work_dir, options, create)
        except auto.InvalidVersionError as error:
            raise MissingToolError(f"The installed Pulumi CLI is too old: {error}.", PULUMI_FIX) from None

    def _select(self, stack: StackRef, work_dir: str, options: auto.LocalWorkspaceOptions, create: bool):  # noqa: ANN202
        if create:
            return self._run(
                stack,
                "stack select",
                lambda: auto.create_or_select_stack(stack_name=stack.name, work_dir=work_dir, opts=options),
            )
        try:
            return auto.select_stack(stack_name=stack.name, work_dir=work_dir, opts=options)
        except auto.StackNotFoundError:
            return None
        except auto.CommandError as error:
            raise _deploy_error(stack, "stack select", error) from None

    def _run(self, stack: StackRef, action: str, call):  # noqa: ANN001, ANN202
        try:
            return call()
        except auto.CommandError as error:
            raise _deploy_error(stack, action, error) from None

    def _stream(self, stack: StackRef, progress: Progress, action: str, operation: Callable[..., Any]) -> Any:
        """Run a Pulumi operation (``stack.preview``/``up``/``destroy``) with its output and engine
        events relayed to ``progress``."""
        return self._run(
            stack,
            action,
            lambda: operation(
                on_output=lambda line: progress.output(stack, line), on_event=EngineEventRelay(stack, progress)
            ),
        )

    @staticmethod
    def _finish(progress: Progress, result: StackResult) -> StackResult:
        progress.stack_finished(result)
        return result


def _no_program() -> None:
    """The inline program of a stack whose folder is gone (destroy never runs it)."""


def _project_and_stack(name: str) -> tuple[str, str] | None:
    """``organization/<project>/<stack>`` (``stack ls --all``) -> ``(project, stack)``."""
    parts = name.split("/")
    return (parts[-2], parts[-1]) if len(parts) == 3 else None


def _has_program(stack: StackRef) -> bool:
    return any((stack.work_dir / f"Pulumi.{ext}").is_file() for ext in ("yaml", "yml", "json"))


def _counts(changes: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(op, "value", op)): int(n) for op, n in (changes or {}).items()}


def _deploy_error(stack: StackRef, action: str, error: Exception) -> DeployError:
    if isinstance(error, auto.ConcurrentUpdateError):
        return DeployError(
            f"Another update of the {stack.label} stack is running.",
            f"wait for it, or if it crashed run 'pulumi cancel --stack {stack.name}' in {stack.work_dir}",
        )
    return DeployError(
        f"pulumi {action} failed for the {stack.label} stack:\n{_tail(str(error))}",
        "read the Pulumi errors above; nothing after this stack was changed",
    )


def _tail(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(f"  {line}" for line in lines[-ERROR_TAIL_LINES:])
