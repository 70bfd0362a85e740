"""What a run would cost on AWS: an estimate from measured durations and published prices.

Lambda bills each request plus memory x duration, the duration rounded *up* to the millisecond
(https://aws.amazon.com/lambda/pricing/). Standard workflows bill each state transition, retries
included; Express workflows bill each request plus duration rounded up to 100 ms x memory in 64 MB
chunks (https://aws.amazon.com/step-functions/pricing/). Prices live in ``prices.json`` with the
date they were read; free tiers are left out (they belong to an account, not a pipeline).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import DorcError

PRICES_FILE = Path(__file__).with_name("prices.json")
EXPRESS_CHUNK_MB = 64
EXPRESS_ROUND_MS = 100
MONTH_DAYS = 30


@cache
def price_table() -> dict[str, Any]:
    return json.loads(PRICES_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Estimate:
    region: str
    workflow: str  # STANDARD | EXPRESS
    lambda_requests: int
    lambda_gb_seconds: float
    lambda_cost: float
    transitions: int
    stepfunctions_cost: float
    prices_date: str

    @property
    def total(self) -> float:
        return self.lambda_cost + self.stepfunctions_cost

    def as_dict(self) -> dict[str, Any]:
        return {"region": self.region, "workflow": self.workflow, "lambda_requests": self.lambda_requests,
                "lambda_gb_seconds": self.lambda_gb_seconds, "lambda_cost": self.lambda_cost,
                "transitions": self.transitions, "stepfunctions_cost": self.stepfunctions_cost,
                "total": self.total, "prices_date": self.prices_date}

    def line(self) -> str:
        sfn = (f"{self.transitions} state transitions" if self.workflow == "STANDARD" else "1 Express request")
        return (f"Estimated AWS cost ({self.region}, prices of {self.prices_date}): {money(self.total)} "
                f"= Lambda {money(self.lambda_cost)} ({self.lambda_requests} request{'' if self.lambda_requests == 1 else 's'}, "
                f"{self.lambda_gb_seconds:.4f} GB-s) + Step Functions {money(self.stepfunctions_cost)} ({sfn})")


def money(amount: float) -> str:
    if 0 < amount < 0.0000005:
        return "<$0.000001"
    return f"${amount:.6f}" if amount < 0.01 else f"${amount:,.2f}"


def region_prices(region: str) -> Mapping[str, Any]:
    regions = price_table()["regions"]
    if region not in regions:
        raise DorcError(f"dorc has no published prices for region {region!r} (dorc_runtime/runs/prices.json).",
                        f"add the region to prices.json from the pricing pages, or use one of: {', '.join(regions)}")
    return regions[region]


def billed_ms(duration_ms: float) -> int:
    """Lambda rounds each invocation's duration up to the next millisecond."""
    return max(1, math.ceil(round(duration_ms, 6)))


def estimate(region: str, workflow: str, invocations: Iterable[tuple[int, str, float]], transitions: int,
             run_seconds: float = 0.0) -> Estimate:
    """``invocations``: (memory_mb, architecture, duration_ms) per Lambda request."""
    prices = region_prices(region)
    lam, sfn = prices["lambda"], prices["stepfunctions"]
    requests, gb_seconds, lambda_cost = 0, 0.0, 0.0
    for memory_mb, architecture, duration_ms in invocations:
        gb_s = memory_mb / 1024 * billed_ms(duration_ms) / 1000
        requests += 1
        gb_seconds += gb_s
        lambda_cost += gb_s * lam[f"{architecture}_per_gb_second"]
    lambda_cost += requests * lam["per_request"]
    if workflow == "EXPRESS":
        rounded = math.ceil(run_seconds * 1000 / EXPRESS_ROUND_MS) * EXPRESS_ROUND_MS / 1000
        sfn_cost = sfn["express_per_request"] + EXPRESS_CHUNK_MB / 1024 * rounded * sfn["express_per_gb_second"]
    else:
        sfn_cost = transitions * sfn["standard_per_transition"]
    return Estimate(region, workflow, requests, gb_seconds, lambda_cost, transitions, sfn_cost,
                    price_table()["retrieved"])


def of_record(record: Mapping[str, Any]) -> Estimate:
    """The estimate for a recorded local run (``run.json``)."""
    functions = record.get("functions", {})
    calls = []
    for call in record.get("invocations", []):
        fn = functions.get(call["function"], {})
        calls.append((fn.get("memory_mb", 128), fn.get("architecture", "x86_64"), call["duration_ms"]))
    transitions = len(record.get("events", [])) + record.get("events_dropped", 0)
    took = (record.get("stopped") or record["started"]) - record["started"]
    return estimate(record["region"], record.get("workflow", "STANDARD"), calls, transitions, took)


def runs_per_month(expression: str, start: datetime | None = None) -> int:
    """How often an EventBridge schedule (``rate(...)`` or AWS six-field ``cron(...)``) fires in 30 days."""
    text = expression.strip()
    if text.startswith("rate("):
        count, unit = text[5:-1].split()
        minutes = int(count) * {"minute": 1, "hour": 60, "day": 1440}[unit.rstrip("s")]
        return MONTH_DAYS * 1440 // minutes
    from ..schedules.next_runs import count_runs  # the one reader of AWS cron, as Scheduler runs it

    begin = start or datetime(2026, 1, 1, tzinfo=UTC)
    return count_runs(text if text.startswith("cron(") else f"cron({text})", "UTC", begin,
                      begin + timedelta(days=MONTH_DAYS))


def monthly(estimate_of_one: Estimate, runs: int) -> float:
    return estimate_of_one.total * runs


def summary_line(estimate_of_one: Estimate, schedules: Iterable[str]) -> str:
    """``invoke run``'s last line: the run's estimate and, per schedule, a month of such runs."""
    text = estimate_of_one.line()
    for expression in schedules:
        runs = runs_per_month(expression)
        text += f"; {money(monthly(estimate_of_one, runs))} a month at {runs} runs of {expression}"
    return text
