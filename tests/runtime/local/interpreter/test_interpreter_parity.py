"""The local runner and moto's Step Functions give the same status, output, error and cause."""

from __future__ import annotations

import pytest
from interpreter_cases import CASES, CONFORMANCE_CASES, RESOLVER, Case
from moto_sfn_harness import FixedContext, Outcome, run_in_moto

from dorc_runtime.local import run_state_machine


def run_locally(case: Case) -> Outcome:
    handlers = case.handlers()
    machines = {RESOLVER.pipeline_arn("raw", name.rsplit("-", 1)[-1]): (asl, handlers)
                for name, asl in case.children.items()}
    execution = run_state_machine(case.asl, handlers, case.input, time_scale=0.01, context_factory=FixedContext,
                                  state_machines=machines)
    return Outcome(execution.status.value, execution.output, execution.error, execution.cause)


ALL_CASES = {**CASES, **CONFORMANCE_CASES}


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_same_outcome_as_moto(name: str) -> None:
    case = ALL_CASES[name]
    local = run_locally(case)
    reference = run_in_moto(case.asl, case.handlers(), case.input, case.children)
    assert local == reference
