"""The Lambda context object a handler receives."""

from __future__ import annotations

import dataclasses

from dorc_runtime.local.context import LambdaContext


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


def test_a_sandbox_makes_a_new_context_per_invocation_sharing_its_log_stream():
    """Lambda's runtime makes a context per invocation; the log stream is the execution
    environment's (https://docs.aws.amazon.com/lambda/latest/dg/python-context.html)."""
    from dorc_runtime.local.sandbox.worker.lambda_context import invocation_contexts

    make = invocation_contexts("fn", "arn:aws:lambda:eu-west-2:123456789012:function:fn", "256", "/aws/lambda/fn")
    first, second = make("req-1", 3.0), make("req-2", 0.5)
    assert isinstance(first, LambdaContext) and first is not second
    assert (first.aws_request_id, second.aws_request_id) == ("req-1", "req-2")
    assert (first.function_name, first.invoked_function_arn, first.memory_limit_in_mb, first.log_group_name,
            first.function_version) == ("fn", "arn:aws:lambda:eu-west-2:123456789012:function:fn", "256",
                                        "/aws/lambda/fn", "$LATEST")
    assert first.log_stream_name == second.log_stream_name and "/[$LATEST]" in first.log_stream_name
    assert (first.client_context, first.identity, first.tenant_id) == (None, None, None)
    assert 2900 < first.get_remaining_time_in_millis() <= 3000
    assert 400 < second.get_remaining_time_in_millis() <= 500
    first.aws_request_id = "changed by the handler"
    first.function_name = "changed too"
    assert (make("req-3", 1.0).aws_request_id, make("req-3", 1.0).function_name) == ("req-3", "fn")
    assert repr(second).startswith("LambdaContext(function_name='fn', ")
    assert "aws_request_id='req-2'" in repr(second)
    assert dataclasses.asdict(second)["aws_request_id"] == "req-2"
    assert dataclasses.replace(second, aws_request_id="req-4").log_stream_name == second.log_stream_name
