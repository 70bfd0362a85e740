"""Resume a failed local run the way Step Functions redrives an execution
(https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html): start again at the
state that failed, with the input it had; the states that succeeded are not run again; in a
Parallel only the branches, in an inline Map only the iterations, that did not succeed re-run.

Pure: a parent run's record and definition and today's definition in, a :class:`ResumePlan` out.
One difference from AWS, said in the docs: ``$$.Execution.Input`` is the restarted state's input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import DorcError

RESUMABLE = ("FAILED", "TIMED_OUT", "ABORTED")  # what AWS redrives


class ResumeRefused(DorcError):
    """The run cannot be resumed (it succeeded, or the definition changed unsafely)."""


@dataclass(frozen=True)
class ResumePlan:
    parent: str
    start_state: str
    input: Any
    reuse: dict[str, dict[int, Any]] = field(default_factory=dict)  # {state: {branch/iteration: result}}
    reused_states: tuple[str, ...] = ()  # top-level states that succeeded in the parent

    def definition(self, asl: Mapping[str, Any]) -> dict[str, Any]:
        """The same state machine, entered at the failed state."""
        return {**asl, "StartAt": self.start_state}

    def describe(self) -> str:
        text = f"Resuming run {self.parent} at state {self.start_state!r}"
        if self.reused_states:
            text += f"; not run again: {', '.join(self.reused_states)}"
        for state, done in self.reuse.items():
            text += f"; {state}: {len(done)} branch(es)/item(s) reused"
        return text


def states_by_name(asl: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every state at every depth (names are unique across an ASL definition)."""
    out: dict[str, Mapping[str, Any]] = {}

    def visit(scope: Mapping[str, Any]) -> None:
        for name, state in scope.get("States", {}).items():
            out[name] = state
            for branch in state.get("Branches", []):
                visit(branch)
            for key in ("ItemProcessor", "Iterator"):
                if key in state:
                    visit(state[key])

    visit(asl)
    return out


def check_unchanged(then: Mapping[str, Any], now: Mapping[str, Any], run_id: str) -> None:
    """Refuse when a state of the run's definition is gone (removed or renamed) or changed type."""
    before, after = states_by_name(then), states_by_name(now)
    missing = sorted(set(before) - set(after))
    if missing:
        raise ResumeRefused(
            f"Cannot resume run {run_id}: the pipeline's state(s) {', '.join(missing)} were removed or renamed "
            "since it ran, so its recorded results no longer fit.",
            "run the pipeline from the start (without --resume)",
        )
    retyped = sorted(n for n in before if before[n].get("Type") != after[n].get("Type"))
    if retyped:
        raise ResumeRefused(f"Cannot resume run {run_id}: state(s) {', '.join(retyped)} changed type since it ran.",
                            "run the pipeline from the start (without --resume)")


def plan(record: Mapping[str, Any], then: Mapping[str, Any], now: Mapping[str, Any],
         load: Callable[[Any], Any]) -> ResumePlan:
    """``load`` turns a payload reference of the record into its value."""
    run_id = record["id"]
    if record["status"] not in RESUMABLE:
        raise ResumeRefused(f"Run {run_id} {record['status'].lower()}; only a failed, timed-out or aborted run can be "
                            "resumed.",
                            "pick a failed run from 'invoke runs', or run the pipeline again")
    check_unchanged(then, now, run_id)
    top = [e for e in record["events"] if e["scope"] == ""]
    failed = next((e for e in reversed(top) if e["status"] == "FAILED"), None)
    if failed is None:  # e.g. the execution's own TimeoutSeconds ran out between two states
        raise ResumeRefused(f"Run {run_id} recorded no failed state to resume from.",
                            "run the pipeline from the start (without --resume)")
    state, state_input = failed["state"], load(failed["input"])
    spec = then["States"].get(state, {})
    reuse = {state: done} if (done := _succeeded_parts(record, state, spec, load)) else {}
    reused = tuple(dict.fromkeys(e["state"] for e in top if e["status"] in ("SUCCEEDED", "CAUGHT")))
    return ResumePlan(run_id, state, state_input, reuse, reused)


def _succeeded_parts(record: Mapping[str, Any], state: str, spec: Mapping[str, Any],
                     load: Callable[[Any], Any]) -> dict[int, Any]:
    """A Parallel's branches / a Map's iterations whose last state ended the branch successfully."""
    if spec.get("Type") == "Parallel":
        bodies: Callable[[int], Mapping[str, Any]] = lambda i: spec["Branches"][i]  # noqa: E731
    elif spec.get("Type") == "Map":
        processor = spec.get("ItemProcessor") or spec.get("Iterator") or {}
        bodies = lambda i: processor  # noqa: E731
    else:
        return {}
    last: dict[int, Mapping[str, Any]] = {}
    for index, event in _parts(record["events"], state):
        last[index] = event
    done = {}
    for index, event in last.items():
        body = bodies(index)["States"].get(event["state"], {})
        if event["status"] == "SUCCEEDED" and (body.get("End") or body.get("Type") == "Succeed"):
            done[index] = load(event["output"])
    return done


def _parts(events: list[Mapping[str, Any]], state: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    prefix = f"{state}["
    for event in events:
        scope = event["scope"]
        if scope.startswith(prefix) and scope.endswith("]") and scope[len(prefix):-1].isdigit():
            yield int(scope[len(prefix):-1]), event
