"""The Lambda context (as powertools uses it) and per-invocation output capture."""

from __future__ import annotations

import json
import logging
import threading

from dorc_runtime.local import capture
from dorc_runtime.local.context import LambdaContext
from dorc_runtime.local.handlers import FunctionGate, IsolatedFunction, load
from dorc_runtime.local.invocation import FunctionSpec, LocalFunction

SPEC = FunctionSpec(
    name="clean", layer="raw", pipeline="census", physical_name="demo-local-raw-census-clean",
    arn="arn:aws:lambda:eu-west-2:123456789012:function:demo-local-raw-census-clean",
    memory_mb=256, timeout_seconds=30, log_group="/aws/lambda/demo-local-raw-census-clean",
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_context_has_what_lambda_has_and_counts_down():
    clock = Clock()
    context = LambdaContext("fn", "arn:aws:lambda:eu-west-2:123456789012:function:fn", "256", "/aws/lambda/fn",
                            timeout_seconds=3, clock=clock)
    assert context.function_version == "$LATEST"
    assert context.memory_limit_in_mb == "256"
    assert len(context.aws_request_id) == 36
    assert context.log_stream_name.endswith(context.log_stream_name[-32:]) and "[$LATEST]" in context.log_stream_name
    assert context.get_remaining_time_in_millis() == 3000
    clock.now += 1.25
    assert context.get_remaining_time_in_millis() == 1750
    clock.now += 5
    assert context.get_remaining_time_in_millis() == 0


POWERTOOLS = """
from aws_lambda_powertools import Logger

logger = Logger(service="census")

@logger.inject_lambda_context
def handler(event, context):
    logger.info("cleaning", extra={"rows": event["rows"]})
    print("plain print")
    return {"remaining": context.get_remaining_time_in_millis()}
"""


def test_a_powertools_handler_runs_with_the_context_and_its_logs_are_captured(tmp_path):
    folder = tmp_path / "clean"
    folder.mkdir()
    (folder / "lambda.py").write_text(POWERTOOLS)
    gate = FunctionGate()
    records = []
    with capture.installed():
        isolated = IsolatedFunction("clean", folder, {})
        load(isolated, gate)
        result = LocalFunction(SPEC, isolated, gate, records.append)({"rows": 3}, SPEC.context())
        gate.close()

    assert 0 < result["remaining"] <= 30_000
    [record] = records
    log = json.loads(record.lines[0])
    assert log["message"] == "cleaning" and log["rows"] == 3
    assert log["function_name"] == SPEC.physical_name
    assert log["function_arn"] == SPEC.arn
    assert log["function_memory_size"] == "256"
    assert log["function_request_id"] == record.request_id
    assert record.lines[1] == "plain print"


def test_capture_keeps_concurrent_invocations_apart():
    results: dict[int, list[str]] = {}
    barrier = threading.Barrier(4)
    logger = logging.getLogger("capture-test")

    def work(n: int) -> None:
        with capture.capturing() as lines:
            barrier.wait()
            for i in range(50):
                print(f"thread {n} line {i}")
            logger.warning("thread %d warns", n)
        results[n] = lines

    with capture.installed():
        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    for n, lines in results.items():
        assert lines[:50] == [f"thread {n} line {i}" for i in range(50)]
        assert lines[50] == f"[WARNING] capture-test: thread {n} warns"


def test_output_outside_a_capture_passes_through(capsys):
    with capture.installed():
        print("not captured")
    assert capsys.readouterr().out == "not captured\n"
