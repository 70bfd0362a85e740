"""The cost model against hand-computed examples.

Lambda: https://aws.amazon.com/lambda/pricing/ (request charge + GB-seconds, duration rounded up
to 1 ms). Step Functions: https://aws.amazon.com/step-functions/pricing/ (Standard: per state
transition, retries included; Express: per request + duration rounded up to 100 ms x 64 MB chunks).
"""

from __future__ import annotations

import pytest

from dorc_runtime.errors import DorcError
from dorc_runtime.runs.cost import billed_ms, estimate, of_record, price_table, runs_per_month


def test_the_price_table_is_dated_and_cites_its_sources():
    table = price_table()
    assert table["retrieved"] == "2026-12-01"
    assert table["sources"]["lambda"] == "https://aws.amazon.com/lambda/pricing/"
    assert table["regions"]["us-east-1"]["stepfunctions"]["standard_per_transition"] == 0.000025


@pytest.mark.parametrize(("measured", "billed"), [(0.2, 1), (1.0, 1), (1.0001, 2), (100.2, 101), (1999.01, 2000)])
def test_lambda_duration_is_rounded_up_to_the_millisecond(measured, billed):
    assert billed_ms(measured) == billed


def test_standard_workflow_by_hand():
    # 512 MB x86 for 100.2 ms -> 101 ms -> 0.0505 GB-s; 1024 MB arm64 for 1999.01 ms -> 2 GB-s
    cost = estimate("us-east-1", "STANDARD", [(512, "x86_64", 100.2), (1024, "arm64", 1999.01)], transitions=5)
    assert cost.lambda_requests == 2
    assert cost.lambda_gb_seconds == pytest.approx(2.0505)
    lambda_cost = 0.0505 * 0.0000166667 + 2.0 * 0.0000133334 + 2 * 0.0000002
    assert cost.lambda_cost == pytest.approx(lambda_cost) == pytest.approx(0.000027908468335)
    assert cost.stepfunctions_cost == pytest.approx(0.000125)  # 5 x $0.025 / 1000
    assert cost.total == pytest.approx(0.000152908468335)
    assert cost.line() == ("Estimated AWS cost (us-east-1, prices of 2026-12-01): $0.000153 = Lambda $0.000028 "
                           "(2 requests, 2.0505 GB-s) + Step Functions $0.000125 (5 state transitions)")


def test_express_workflow_by_hand():
    # 250 ms -> 300 ms; one 64 MB chunk = 0.0625 GB -> 0.01875 GB-s x $0.00001667 + one request $0.000001
    cost = estimate("eu-west-2", "EXPRESS", [], transitions=9, run_seconds=0.25)
    assert cost.stepfunctions_cost == pytest.approx(0.01875 * 0.00001667 + 0.000001)
    assert cost.lambda_cost == 0


def test_an_unknown_region_is_refused_with_the_fix():
    with pytest.raises(DorcError) as raised:
        estimate("mars-north-1", "STANDARD", [], 1)
    assert "mars-north-1" in str(raised.value) and "prices.json" in raised.value.fix


def test_a_recorded_run_counts_every_state_run_and_bills_each_invocation():
    record = {
        "region": "us-east-1", "workflow": "STANDARD", "started": 100.0, "stopped": 101.0,
        "functions": {"arn:f": {"memory_mb": 1024, "architecture": "x86_64"}},
        "invocations": [{"function": "arn:f", "duration_ms": 9.5}, {"function": "arn:f", "duration_ms": 0.4}],
        "events": [{}, {}, {}], "events_dropped": 1,
    }
    cost = of_record(record)
    assert cost.transitions == 4
    assert cost.lambda_gb_seconds == pytest.approx(1.0 * 0.010 + 1.0 * 0.001)


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("cron(0 6 * * ? *)", 30),
        ("rate(1 day)", 30),
        ("rate(5 minutes)", 8640),
        ("rate(2 hours)", 360),
        # 1-30 January 2026 holds 22 weekdays (the 1st is a Thursday)
        ("cron(30 9 ? * MON-FRI *)", 22),
        # AWS numbers Sunday 1, so 6 is Friday: 2, 9, 16, 23 and 30 January (cron's 6 would be Saturday: 4)
        ("cron(0 12 ? * 6 *)", 5),
    ],
)
def test_runs_per_month_of_a_schedule(expression, runs):
    assert runs_per_month(expression) == runs
