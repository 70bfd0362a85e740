"""Routes: which pipeline a submission goes to, declared in the generated project's ``routes.py``.

``ROUTES = [Route(source_id=r"census_.*_v1", layer="raw", pipeline="census", ...)]``. A route's
``source_id`` is a regular expression that must match the manifest's ``source_id`` *entirely*
(``re.fullmatch``); the first route that matches wins. ``required_files`` are regular expressions
searched (``re.search``) in each file's path inside the archive: each must find at least one file.
``validators`` are ``"package.module:callable"`` import paths, called once per file whose path the
validator's ``files`` pattern finds, with a :class:`SubmittedFile`; raising rejects the submission.
An optional ``LIMITS = Limits(...)`` overrides the archive limits.

Checks for ``invoke validate`` (:func:`route_problems`) compare routes through sample strings
(:mod:`.samples`): a problem is only reported with a witness string, so none is false, though some
overlaps may go unnoticed. Witnesses are each route's samples and their concatenations. Rules: a pattern with no sample never matches; a later route whose every
sample an earlier route takes is unreachable; two routes that share a sample while neither takes all
of the other's samples overlap ambiguously. A specific route placed before a general one that
contains it is the intended use of "first match wins" and is not reported.
"""

from __future__ import annotations

import importlib
import re
import runpy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import DefinitionError, ProjectError
from ..names import check_name
from .limits import Limits
from .manifest import Manifest
from .samples import samples

ROUTES_MODULE = "routes"
ROUTES_FILE = f"{ROUTES_MODULE}.py"
IMPORT_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def _regex(value: str, what: str) -> str:
    from ..validation.patterns import check_pattern  # bounded: patterns meet untrusted input

    return check_pattern(value, what)


@dataclass(frozen=True)
class SubmittedFile:
    """What a validator receives: one extracted file of a submission."""

    name: str  # path inside the archive, e.g. 'data.csv'
    path: Path  # where it was extracted, readable
    size: int
    manifest: Manifest


class Validator(BaseModel):
    """A check run on every file whose path ``files`` finds; it rejects by raising."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(description="'package.module:callable', called with a SubmittedFile")
    files: str = Field(default=".*", description="regular expression searched in each file path")

    @field_validator("check")
    @classmethod
    def _import_path(cls, value: str) -> str:
        if not IMPORT_PATH.match(value):
            raise ValueError(f"validator {value!r} must look like 'package.module:callable'")
        return value

    @field_validator("files")
    @classmethod
    def _files(cls, value: str) -> str:
        return _regex(value, "validator files pattern")


class Route(BaseModel):
    """source_id pattern -> (layer, pipeline), with the files it needs and the options it passes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_id: str = Field(description="regular expression that must match the whole source_id")
    layer: str
    pipeline: str
    required_files: tuple[str, ...] = ()
    validators: tuple[Validator, ...] = ()
    options: dict[str, Any] = Field(default_factory=dict, description="passed to the pipeline as 'options'")
    # All of the route's validators on all files together, in a child process killed at the limit;
    # the dispatcher Lambda has 900 s in all.
    validator_timeout_seconds: float = Field(default=120.0, gt=0, le=600)

    @field_validator("source_id")
    @classmethod
    def _source_id(cls, value: str) -> str:
        return _regex(value, "source_id pattern")

    @field_validator("layer")
    @classmethod
    def _layer(cls, value: str) -> str:
        return check_name("layer", value)

    @field_validator("pipeline")
    @classmethod
    def _pipeline(cls, value: str) -> str:
        return check_name("pipeline", value)

    @field_validator("required_files")
    @classmethod
    def _required(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_regex(v, "required file pattern") for v in value)

    @field_validator("validators", mode="before")
    @classmethod
    def _validator_shorthand(cls, value: Any) -> Any:
        # "pkg.mod:fn" is short for Validator(check="pkg.mod:fn") (every file)
        if isinstance(value, list | tuple):
            return [{"check": v} if isinstance(v, str) else v for v in value]
        return value

    def matches(self, source_id: str) -> bool:
        return re.fullmatch(self.source_id, source_id) is not None

    def describe(self) -> str:
        return f"{self.source_id!r} -> {self.layer}/{self.pipeline}"


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...]
    limits: Limits = Limits()

    def match(self, source_id: str) -> Route | None:
        return next((route for route in self.routes if route.matches(source_id)), None)


def table_from_namespace(namespace: dict[str, Any], where: str = ROUTES_FILE) -> RouteTable:
    """Read ``ROUTES`` (and ``LIMITS``) from a loaded routes module's globals."""
    routes = namespace.get("ROUTES")
    if not isinstance(routes, list | tuple) or not all(isinstance(r, Route) for r in routes):
        raise ProjectError(f"{where} must define ROUTES as a list of Route(...).", "see docs/submissions.md")
    limits = namespace.get("LIMITS", Limits())
    if not isinstance(limits, Limits):
        raise ProjectError(f"{where}: LIMITS must be a Limits(...).", "see docs/submissions.md")
    return RouteTable(tuple(routes), limits)


def load_routes(project_root: Path) -> RouteTable:
    """The project's route table; an empty one when it has no ``routes.py``."""
    path = project_root / ROUTES_FILE
    if not path.is_file():
        return RouteTable(())
    from ..project import on_sys_path

    with on_sys_path(project_root):
        try:
            namespace = runpy.run_path(str(path), run_name=ROUTES_MODULE)
        except ValidationError as exc:
            problems = [f"{ROUTES_FILE}: {err['msg'].removeprefix('Value error, ')}" for err in exc.errors()]
            raise DefinitionError(problems, f"fix the Route(...) in {ROUTES_FILE}") from None
        except Exception as exc:
            raise ProjectError(
                f"{ROUTES_FILE} failed to load ({type(exc).__name__}: {exc}).", "fix the error in that file"
            ) from None
    return table_from_namespace(namespace)


def resolve_callable(import_path: str) -> Callable[[SubmittedFile], Any]:
    module_name, _, attr = import_path.partition(":")
    module = importlib.import_module(module_name)
    target = getattr(module, attr)
    if not callable(target):
        raise TypeError(f"{import_path} is not callable")
    return target


def _witnesses(first: list[str], second: list[str]) -> list[str]:
    # concatenations catch prefix/suffix overlaps such as 'census_.*' and '.*_v1' ('census__v1')
    joined = [a + b for a in first for b in second] + [b + a for a in first for b in second]
    return [*first, *second, *joined]


def _overlap_problems(routes: Sequence[Route]) -> list[str]:
    problems: list[str] = []
    found = [samples(r.source_id) for r in routes]
    for j, later in enumerate(routes):
        label_j = f"route {j + 1} ({later.describe()})"
        if found[j] == []:
            problems.append(f"{ROUTES_FILE}: {label_j} can never match any source_id")
            continue
        for i in range(j):
            earlier = routes[i]
            label_i = f"route {i + 1} ({earlier.describe()})"
            if earlier.source_id == later.source_id:
                problems.append(f"{ROUTES_FILE}: {label_j} repeats the pattern of {label_i}; remove one")
                break
            mine, theirs = found[j], found[i]
            if not mine or theirs is None:
                continue
            taken = [s for s in mine if earlier.matches(s)]
            if taken and len(taken) == len(mine):
                problems.append(
                    f"{ROUTES_FILE}: {label_j} is unreachable: {label_i} comes first and takes "
                    f"every source_id it matches (e.g. {taken[0]!r}); reorder or remove it"
                )
                break
            shared = [s for s in _witnesses(theirs, mine) if earlier.matches(s) and later.matches(s)]
            earlier_inside_later = theirs and all(later.matches(s) for s in theirs)
            if shared and not earlier_inside_later:
                problems.append(
                    f"{ROUTES_FILE}: {label_j} overlaps {label_i}: {shared[0]!r} matches both and goes "
                    f"to route {i + 1} (first match wins); make the patterns disjoint"
                )
    return problems


def route_problems(project: Any) -> list[str]:
    """Problems with the project's routes, for ``invoke validate``: one line each."""
    try:
        table = load_routes(project.root)
    except DefinitionError as exc:
        return list(exc.problems)
    except ProjectError as exc:
        return [str(exc)]
    problems = _overlap_problems(table.routes)
    for n, route in enumerate(table.routes, start=1):
        if route.pipeline not in project.pipelines(route.layer):
            problems.append(
                f"{ROUTES_FILE}: route {n} ({route.describe()}) points to a pipeline that does not exist; "
                f"run 'invoke new-pipeline {route.pipeline} --layer {route.layer}' or fix the route"
            )
        from ..project import on_sys_path

        with on_sys_path(project.root):
            for validator in route.validators:
                try:
                    resolve_callable(validator.check)
                except Exception as exc:
                    problems.append(
                        f"{ROUTES_FILE}: route {n} validator {validator.check!r} cannot be imported "
                        f"({type(exc).__name__}: {exc})"
                    )
    return problems
