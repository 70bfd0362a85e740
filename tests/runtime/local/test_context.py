"""The Lambda context object a handler receives."""

from __future__ import annotations

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
