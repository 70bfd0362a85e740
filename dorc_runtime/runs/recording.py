"""Record (and resume) a local run of a loaded pipeline: the glue between ``invoke run``, the
local runner and the run store.

``Recording.start`` before the run (it may resume a failed one), ``options()`` for
``LocalRun.execute``, ``finish(execution)`` after: the record is written, old runs pruned and the
run's estimated AWS cost returned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import DorcError
from ..local.console import functions_under
from . import cost, resume
from .payloads import PayloadStore
from .recorder import RunRecorder
from .store import RunStore, keep_count


def inside_maps(asls: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """States inside a Map's item processor (at any depth): recorded per item, but the console
    shows the Map as one line, as it did before runs were recorded."""
    names: set[str] = set()

    def visit(scope: Mapping[str, Any], in_map: bool) -> None:
        for name, state in scope.get("States", {}).items():
            if in_map:
                names.add(name)
            for branch in state.get("Branches", []):
                visit(branch, in_map)
            for key in ("ItemProcessor", "Iterator"):
                if key in state:
                    visit(state[key], True)

    for asl in asls:
        visit(asl, False)
    return frozenset(names)


def unless_in_map(callback: Callable[[Any], None], asls: Iterable[Mapping[str, Any]]) -> Callable[[Any], None]:
    skip = inside_maps(asls)

    def forward(event: Any) -> None:
        if event.state not in skip:
            callback(event)

    return forward


class Listeners:
    """Several callbacks behind one (the runner takes one recorder, one on_event)."""

    def __init__(self, *callbacks: Callable[[Any], None]) -> None:
        self.callbacks = list(callbacks)

    def __call__(self, value: Any) -> None:
        for callback in self.callbacks:
            callback(value)


def resume_plan(store: RunStore, local: Any, run_id: str | bool) -> resume.ResumePlan:
    """The plan to resume ``run_id`` (``True``: the latest failed run of this pipeline)."""
    pipeline = f"{local.top.layer}/{local.top.name}"
    if run_id is True:
        latest = store.latest(pipeline=pipeline, status="FAILED")
        if latest is None:
            raise resume.ResumeRefused(f"There is no failed local run of {pipeline} to resume.",
                                       "see 'invoke runs'; run the pipeline without --resume")
        run_id = latest.id
    record = store.load(str(run_id))
    if record["pipeline"] != pipeline:
        raise resume.ResumeRefused(f"Run {run_id} is a run of {record['pipeline']}, not of {pipeline}.",
                                   f"invoke run {record['name']} --layer {record['layer']} --resume {run_id}")
    payloads = PayloadStore(store.folder(str(run_id)))
    return resume.plan(record, store.definition(str(run_id)), local.top.asl, payloads.get)


class Recording:
    def __init__(self, store: RunStore, recorder: RunRecorder, run_id: str,
                 plan: resume.ResumePlan | None) -> None:
        self.store, self.recorder, self.id, self.plan = store, recorder, run_id, plan

    @classmethod
    def start(cls, store: RunStore, local: Any, settings: Any, run_input: Any,
              plan: resume.ResumePlan | None = None) -> Recording:
        top = local.top
        functions = {}
        for loaded in local.pipelines:
            for fn in loaded.definition.functions:
                spec = local.loader.spec(loaded, fn)
                functions[spec.arn] = {"name": fn.name, "pipeline": f"{loaded.layer}/{loaded.name}",
                                       "memory_mb": fn.memory_mb, "architecture": fn.architecture}
        state_functions: dict[str, set[str]] = {}
        for loaded in local.pipelines:
            for state, arns in functions_under(loaded.asl).items():
                state_functions.setdefault(state, set()).update(arns)
        run_id = store.new_id(top.name)
        meta = {
            "id": run_id, "pipeline": f"{top.layer}/{top.name}", "layer": top.layer, "name": top.name,
            "state_machine_arn": top.arn, "workflow": top.definition.type, "region": settings.region,
            "environment": settings.environment, "functions": functions,
            "triggers": [t.expression for t in top.definition.triggers if getattr(t, "enabled", False)],
            "parent": plan.parent if plan else None, "resumed_at": plan.start_state if plan else None,
            "reused_states": list(plan.reused_states) if plan else [],
            "reused_parts": {s: sorted(d) for s, d in plan.reuse.items()} if plan else {},
        }
        recorder = RunRecorder(store.create(run_id), meta, top.asl, state_functions,
                               plan.input if plan else run_input)
        if plan is not None:  # the same pipelines, the top one entered at the failed state
            local.pipelines[0] = dataclasses.replace(top, asl=plan.definition(top.asl))
        return cls(store, recorder, run_id, plan)

    def options(self) -> dict[str, Any]:
        """What ``LocalRun.execute`` passes on to ``run_state_machine`` for the record."""
        return {"on_enter": self.recorder.entered, "record_iterations": True,
                "reuse": self.plan.reuse if self.plan else None}

    @property
    def schedules(self) -> list[str]:
        return list(self.recorder.record.get("triggers", []))

    def abort(self, reason: BaseException) -> None:
        self.recorder.abort(reason)
        self.store.prune(keep_count(), protect=self.id)

    def finish(self, execution: Any, keep: int | None = None) -> cost.Estimate | None:
        estimate: cost.Estimate | None = None

        def with_cost(record: dict[str, Any]) -> dict[str, Any]:
            nonlocal estimate
            try:
                estimate = cost.of_record(record)
            except DorcError:  # a region without prices: the run is still recorded
                return {}
            return {"cost": estimate.as_dict()}

        self.recorder.finish(execution, with_cost)
        self.store.prune(keep_count(keep), protect=self.id)
        return estimate
