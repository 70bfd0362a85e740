"""ASL state machines compiled into objects with one ``execute(run, scope, data) -> (output, next)``
per state (:mod:`.state_base`, :mod:`.work_states`, :mod:`.flow_states`).

Everything about a state that can be decided before running (paths, templates, choice rules,
retry policy, which handler) is decided here, once; unknown fields and resources are refused by
name here too, so an unsupported construct never runs half-way.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ...errors import UnsupportedConstructError
from .flow_states import Choice, Fail, Pass, Succeed, Wait
from .state_base import Machine, State, check_query_language, static_integer
from .work_states import Map, Parallel, Task, WorkState

__all__ = ["Machine", "Map", "Parallel", "State", "compile_definition", "compile_machine"]

MACHINE_FIELDS = {"StartAt", "States", "Comment", "TimeoutSeconds", "Version", "QueryLanguage"}

_SIMPLE: dict[str, type[State]] = {"Task": Task, "Pass": Pass, "Wait": Wait, "Choice": Choice,
                                   "Succeed": Succeed, "Fail": Fail}


def compile_definition(definition: dict[str, Any]) -> Machine:
    """Compile, reusing the result for an identical definition (compiled machines are immutable)."""
    return _compile_text(json.dumps(definition, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _compile_text(text: str) -> Machine:
    return compile_machine(json.loads(text))


def compile_machine(spec: dict[str, Any], where: str = "$") -> Machine:
    """Compile a state machine (or a branch / item processor) and check every transition."""
    for key in set(spec) - MACHINE_FIELDS:
        raise UnsupportedConstructError(f"{where}: top-level field {key!r} is not supported by the local runner")
    check_query_language(spec, where)
    states: dict[str, State] = {}
    for name, state_spec in spec["States"].items():
        kind = state_spec.get("Type")
        at = f"{where}.States[{name!r}]"
        if kind in ("Parallel", "Map"):
            states[name] = (Parallel if kind == "Parallel" else Map)(name, state_spec, at, compile_machine)
        elif kind in _SIMPLE:
            states[name] = _SIMPLE[kind](name, state_spec, at)
        else:
            raise UnsupportedConstructError(f"{at}: state type {kind!r} is not supported by the local runner")
    targets = [spec["StartAt"]]
    for state in states.values():
        targets += [state.next] if state.next else []
        if isinstance(state, WorkState):
            targets += [c.next for c in state.catchers]
        if isinstance(state, Choice):
            targets += [t for _, t in state.rules] + ([state.default] if state.default else [])
    missing = sorted({t for t in targets if t not in states})
    if missing:
        raise UnsupportedConstructError(f"{where}: transitions to unknown state(s) {', '.join(missing)}")
    return Machine(spec["StartAt"], states, static_integer(spec, "TimeoutSeconds", where, 1))
