"""A config repository on disk: find it, list its layers, pipelines and functions, load definitions.

This is the file-system side of pipelines; the models stay pure. Loading a definition runs the
pipeline's ``__main__.py`` under a run name other than ``"__main__"`` so its
``if __name__ == "__main__": CreatePipeline(...).apply()`` guard does not deploy.
"""

from __future__ import annotations

import ast
import os
import runpy
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .errors import DefinitionError, DorcError, ProjectError, describe_exception, did_you_mean

if TYPE_CHECKING:
    from .models.definition import PipelineDefinition

SETTINGS_MODULE = "project_settings"
RUNTIME_PACKAGE = "dorc_runtime"
LOAD_RUN_NAME = "__dorc_load__"
MARKER = f"{SETTINGS_MODULE}.py"


@contextmanager
def on_sys_path(path: Path):
    entry = str(path)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        try:
            sys.path.remove(entry)
        except ValueError:
            pass


def _visible_dirs(path: Path) -> list[Path]:
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The config repository containing ``start`` (default: the current folder)."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / MARKER).is_file() and (folder / "src").is_dir():
                return cls(folder)
        # CONFIG_REPO_PATH (.env): tasks run from outside the config repository find it there.
        configured = os.environ.get("CONFIG_REPO_PATH")
        if start is None and configured:
            folder = (here / configured).resolve()
            if (folder / MARKER).is_file() and (folder / "src").is_dir():
                return cls(folder)
        raise ProjectError(
            f"{here} is not inside a dorc config repository (no {MARKER} and src/ found).",
            "cd into the project that cookiecutter generated",
        )

    @property
    def src(self) -> Path:
        return self.root / "src"

    def layers(self) -> list[str]:
        return [p.name for p in _visible_dirs(self.src)]

    def ordered_layers(self) -> list[str]:
        """The layers in the project's order: as answered when it was baked (raw before
        processed, say), then any layer added since, by name."""
        import json

        from .scaffold.bake import RECORD  # the answers the project was baked with

        try:
            record = json.loads((self.root / RECORD).read_text(encoding="utf-8"))
            answered = [name.strip() for name in str(record["answers"]["layers"]).split(",")]
        except (OSError, ValueError, KeyError, TypeError):
            answered = []
        present = self.layers()
        return [name for name in answered if name in present] + [name for name in present if name not in answered]

    def pipelines(self, layer: str) -> list[str]:
        return [p.name for p in _visible_dirs(self.src / layer) if (p / "__main__.py").is_file()]

    def all_pipelines(self) -> list[tuple[str, str]]:
        return [(layer, p) for layer in self.layers() for p in self.pipelines(layer)]

    def pipeline_dir(self, layer: str, pipeline: str) -> Path:
        return self.src / layer / pipeline

    def function_folders(self, layer: str, pipeline: str) -> list[str]:
        return [p.name for p in _visible_dirs(self.pipeline_dir(layer, pipeline) / "src")]

    def resolve_pipeline(self, pipeline: str, layer: str | None = None) -> tuple[str, str]:
        """(layer, pipeline) for a pipeline name; the layer may be left out when unambiguous."""
        if layer is not None:
            if layer not in self.layers():
                raise ProjectError(
                    f"There is no layer {layer!r}.{did_you_mean(layer, self.layers())}",
                    f"run 'invoke list' to see the layers ({', '.join(self.ordered_layers()) or 'none yet'})",
                )
            if pipeline not in self.pipelines(layer):
                raise ProjectError(
                    f"There is no pipeline {pipeline!r} in layer {layer!r}.{did_you_mean(pipeline, self.pipelines(layer))}",
                    f"run 'invoke list' to see pipelines, or 'invoke new-pipeline {pipeline} --layer {layer}'",
                )
            return layer, pipeline
        layers = [lyr for lyr, p in self.all_pipelines() if p == pipeline]
        if not layers:
            names = sorted({p for _, p in self.all_pipelines()})
            raise ProjectError(
                f"There is no pipeline {pipeline!r}.{did_you_mean(pipeline, names)}",
                "run 'invoke list' to see the pipelines",
            )
        if len(layers) > 1:
            raise ProjectError(
                f"Pipeline {pipeline!r} exists in several layers ({', '.join(layers)}).",
                f"add --layer, e.g. --layer {layers[0]}",
            )
        return layers[0], pipeline

    def settings(self) -> ModuleType:
        """The project's ``project_settings`` module (the one source of project values)."""
        path = self.root / MARKER

        with on_sys_path(self.root):
            try:
                namespace = runpy.run_path(str(path), run_name=SETTINGS_MODULE)
            except DorcError:
                raise
            except (Exception, SystemExit) as exc:
                failure = _settings_failure(exc)  # a model's own messages already name their fix
                raise ProjectError(f"{MARKER}: {failure}", None if "Fix:" in failure else "fix the settings file") from None
        module = ModuleType(SETTINGS_MODULE)
        module.__dict__.update(namespace)
        return module

    def load(self, layer: str, pipeline: str) -> PipelineDefinition:
        return load_definition(self.pipeline_dir(layer, pipeline), self)


def _execute_definition_file(main: Path, project_root: Path) -> PipelineDefinition:
    # imported here, not at the top, so that the invoke tasks (which import this module) do not
    # load pydantic before a task needs it
    from pydantic import ValidationError

    from .models.definition import PipelineDefinition

    rel = main.relative_to(project_root).as_posix() if main.is_relative_to(project_root) else main
    with on_sys_path(project_root):
        try:
            namespace = runpy.run_path(str(main), run_name=LOAD_RUN_NAME)
        except ValidationError as exc:
            problems = [f"{rel}: {_pydantic_message(err)}" for err in exc.errors()]
            raise DefinitionError(problems, "edit the PipelineDefinition in that file") from None
        except DorcError as exc:
            raise DefinitionError([f"{rel}: {exc}"]) from None
        except (Exception, SystemExit) as exc:
            # SystemExit too: a sys.exit() in __main__.py must not end 'invoke validate' silently
            raise DefinitionError(
                [f"{rel}: failed to load ({describe_exception(exc)})"], "fix the error in that file"
            ) from None
    found = [v for v in namespace.values() if isinstance(v, PipelineDefinition)]
    if len(found) != 1:
        raise DefinitionError(
            [f"{rel}: defines {len(found)} PipelineDefinition objects, expected exactly one"],
            "define one `pipeline_definition = PipelineDefinition(file_path=__file__, ...)`",
        )
    return found[0]


def _settings_failure(exc: BaseException) -> str:
    """One line for a failing project_settings.py: a model's field errors without pydantic's
    internals (types, input, documentation links), anything else as its type and message."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return f"{exc.title}: " + "; ".join(_pydantic_message(err) for err in exc.errors())
    return f"failed to load ({describe_exception(exc)})"


def _pydantic_message(err: dict) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()))
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def folder_problems(definition: PipelineDefinition, project: Project | None = None) -> list[str]:
    """Problems between a definition and its folders (function folders, handlers, downstreams)."""
    from .models.definition import NextFunctionTypes

    problems: list[str] = []
    src = definition.pipeline_dir / "src"
    folders = {p.name for p in _visible_dirs(src)}
    declared = {fn.name for fn in definition.functions}
    where = f"{definition.layer}/{definition.name}"
    for name in sorted(declared - folders):
        problems.append(
            f"{where}: function {name!r} has no folder src/{name}/; run "
            f"'invoke new-function {name} --pipeline {definition.name} --layer {definition.layer}'"
        )
    for name in sorted(folders - declared):
        problems.append(
            f"{where}: folder src/{name}/ is not a function of the PipelineDefinition; add "
            f"Function(name={name!r}) to __main__.py or remove the folder"
        )
    for name in sorted(declared & folders):
        problem = handler_problem(src / name / "lambda.py")
        if problem:
            problems.append(f"{where}: {problem}")
        shadow = src / name / f"{RUNTIME_PACKAGE}.py"
        if shadow.exists() or (src / name / RUNTIME_PACKAGE).is_dir():
            problems.append(
                f"{where}: src/{name}/{shadow.name if shadow.exists() else RUNTIME_PACKAGE + '/'} hides the "
                f"vendored {RUNTIME_PACKAGE} package from the handler; rename or remove it"
            )
    if project is not None:
        for fn in definition.functions:
            for step in fn.next_steps:
                if step.type is NextFunctionTypes.PIPELINE:
                    layer = step.layer or definition.layer
                    if step.name not in project.pipelines(layer):
                        problems.append(
                            f"{where}: function {fn.name!r} starts pipeline {layer}/{step.name}, "
                            "which does not exist; create it or fix NextFunction(name=..., layer=...)"
                        )
    return problems


def handler_problem(path: Path) -> str | None:
    """Check without importing (fast, no side effects) that a file defines handler(event, context)."""
    rel = "/".join(path.parts[-3:])
    if not path.is_file():
        return f"{rel} is missing; every function folder needs a lambda.py with def handler(event, context)"
    try:
        # bytes, not text: the parser honours a PEP 263 coding line (e.g. latin-1) as Python does
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return f"{rel} line {exc.lineno}: syntax error: {exc.msg}"
    except (UnicodeDecodeError, ValueError) as exc:
        return f"{rel} cannot be read as Python source ({exc}); save it as UTF-8 or declare its coding (PEP 263)"
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "handler":
            args = node.args
            positional = len(args.posonlyargs) + len(args.args)
            if positional >= 2 or args.vararg is not None:
                return None
            return f"{rel}: handler takes {positional} argument(s); it must be def handler(event, context)"
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "handler" for t in node.targets
        ):
            return None  # handler = some_callable: trust it
    return f"{rel} has no handler; add def handler(event, context): ..."


def load_definition(pipeline_dir: Path, project: Project | None = None) -> PipelineDefinition:
    """Load and fully validate the definition in ``pipeline_dir/__main__.py``."""
    main = pipeline_dir / "__main__.py"
    if not main.is_file():
        raise ProjectError(f"{main} does not exist.", "create the pipeline with 'invoke new-pipeline'")
    project = project or Project.find(pipeline_dir)
    definition = _execute_definition_file(main, project.root)
    problems = folder_problems(definition, project)
    if problems:
        raise DefinitionError(problems, "fix the pipeline as each line says")
    return definition
