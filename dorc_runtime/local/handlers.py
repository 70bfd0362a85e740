"""Load each function's ``lambda.py`` by path, isolated from every other function.

Lambda gives each function its own process with its folder first on ``sys.path``. Locally all
functions share one interpreter, so each :class:`IsolatedFunction` keeps its own private modules
(everything imported from its folder, e.g. its ``utils``) and swaps them into ``sys.modules`` only
while it is active. The :class:`FunctionGate` lets one function be active at a time (any number of
concurrent invocations of that same function, as a Map runs), which also keeps each function's
environment variables its own.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import DefinitionError

HANDLER_FILE = "lambda.py"
HANDLER_MODULE = "lambda"  # the name Lambda's runtime imports it under ("lambda.handler")
HANDLER_NAME = "handler"


@dataclass
class IsolatedFunction:
    """One function's folder, its environment variables and, once loaded, its private modules."""

    name: str
    folder: Path
    environment: Mapping[str, str]
    modules: dict[str, ModuleType] = field(default_factory=dict)
    handler: Callable[[Any, Any], Any] | None = None

    @functools.cached_property
    def top_level_names(self) -> frozenset[str]:
        """Modules and packages importable from the folder: in Lambda they win over any other."""
        names = {p.stem for p in self.folder.glob("*.py")}
        names |= {p.name for p in self.folder.iterdir() if p.is_dir() and p.name.isidentifier()}
        return frozenset(names)

    def owns(self, module: ModuleType) -> bool:
        """Was ``module`` loaded from this function's folder?"""
        locations = [getattr(module, "__file__", None), *list(getattr(module, "__path__", None) or [])]
        folder = str(self.folder)
        return any(loc and (loc == folder or loc.startswith(folder + os.sep)) for loc in locations)


class FunctionGate:
    """Makes one function's import path, modules and environment current at a time.

    Switching costs a few dictionary updates, so it is done lazily: a function stays active until a
    different one needs the gate, which keeps a 10,000-item Map of one function cheap.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._current: IsolatedFunction | None = None
        self._active = 0
        self._saved_env: dict[str, str | None] = {}
        self._modules_before: set[str] = set()
        self._shadowed: dict[str, ModuleType] = {}

    @contextmanager
    def entered(self, function: IsolatedFunction) -> Iterator[None]:
        with self._cond:
            while self._current is not function and self._active:
                self._cond.wait()
            if self._current is not function:
                self._switch(function)
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    self._cond.notify_all()

    def close(self) -> None:
        """Deactivate whatever is current: the interpreter is as it was before the run."""
        with self._cond:
            self._switch(None)

    def _switch(self, function: IsolatedFunction | None) -> None:
        if self._current is not None:
            self._deactivate(self._current)
        self._current = function
        if function is not None:
            self._activate(function)

    def _activate(self, function: IsolatedFunction) -> None:
        sys.path.insert(0, str(function.folder))
        # modules of the same name from elsewhere step aside, as they would in the function's own
        # process where its folder comes first
        self._shadowed = {
            name: module for name, module in sys.modules.copy().items()
            if name.partition(".")[0] in function.top_level_names and not function.owns(module)
        }
        for name in self._shadowed:
            del sys.modules[name]
        self._modules_before = set(sys.modules)
        sys.modules.update(function.modules)
        for key, value in function.environment.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _deactivate(self, function: IsolatedFunction) -> None:
        # only modules imported while active can be the function's own: checking just those keeps
        # a switch cheap however many modules the process has
        for name in set(sys.modules) - self._modules_before | function.modules.keys():
            module = sys.modules.get(name)
            if module is not None and (name in function.modules or function.owns(module)):
                function.modules[name] = module
                sys.modules.pop(name, None)
        sys.modules.update(self._shadowed)
        self._shadowed = {}
        try:
            sys.path.remove(str(function.folder))
        except ValueError:
            pass
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}


def load(function: IsolatedFunction, gate: FunctionGate) -> Callable[[Any, Any], Any]:
    """Import the function's ``lambda.py`` (inside its own import view) and return its handler."""
    path = function.folder / HANDLER_FILE
    where = "/".join(path.parts[-5:])
    with gate.entered(function):
        spec = importlib.util.spec_from_file_location(HANDLER_MODULE, path)
        if spec is None or spec.loader is None or not path.is_file():
            raise DefinitionError([f"{where} is missing"], "every function folder needs a lambda.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[HANDLER_MODULE] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(HANDLER_MODULE, None)
            raise DefinitionError(
                [f"{where} failed to import: {type(exc).__name__}: {exc}"],
                "fix the error in that file (the handler module runs at load time, as in Lambda)",
            ) from exc
    handler = getattr(module, HANDLER_NAME, None)
    if not callable(handler):
        raise DefinitionError([f"{where} has no handler"], "add def handler(event, context): ...")
    function.handler = handler
    return handler
