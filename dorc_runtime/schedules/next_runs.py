"""The next run times of an AWS cron expression in a time zone, as EventBridge Scheduler runs them.

The field syntax (``?``, ``L``, ``W``, ``#``, names, ranges and steps) is evaluated by
aws-croniter, a maintained parser of AWS's six-field cron. It only counts in UTC, so the
expression is evaluated on the zone's wall clock (given to it as if UTC) and each wall time is
then placed in the zone following Scheduler's daylight-saving rules
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time):
a wall time skipped when clocks go forward does not run, and a wall time that happens twice when
clocks go back runs once, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

# A cron whose matches are all skipped wall times (e.g. 01:30 on the spring-forward Sunday only)
# would search forever; this many candidates is far more than any real expression skips.
MAX_CANDIDATES = 200


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """False for a wall time inside the spring-forward gap (it does not round-trip through UTC)."""
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def _runs(expression: str, timezone: str, after: datetime) -> Iterator[datetime]:
    """Every run time after ``after`` (aware), in ``timezone``, in order; nothing for ``rate()``."""
    from aws_croniter import AwsCroniter

    if not expression.startswith("cron("):
        return
    cron = AwsCroniter(expression[len("cron(") : -1])
    zone = ZoneInfo(timezone)
    wall = after.astimezone(zone).replace(tzinfo=UTC)  # the zone's wall clock, as aws-croniter wants it
    skipped = 0
    while skipped < MAX_CANDIDATES:
        (found,) = cron.get_next(wall, n=1)
        if found is None:
            return
        wall = found
        local = found.replace(tzinfo=None)
        if not _exists(local, zone):
            skipped += 1
            continue
        run = local.replace(tzinfo=zone, fold=0)
        if run > after:
            skipped = 0
            yield run
        else:
            skipped += 1


def next_runs(expression: str, timezone: str, now: datetime, count: int = 3) -> list[datetime]:
    """Up to ``count`` run times after ``now`` (aware), in ``timezone``; [] for ``rate()``."""
    return list(islice(_runs(expression, timezone, now), count))


def count_runs(expression: str, timezone: str, start: datetime, end: datetime) -> int:
    """How many times a ``cron()`` expression runs in ``[start, end)`` (aware), in ``timezone``."""
    return sum(1 for _ in takewhile(lambda run: run < end, _runs(expression, timezone, start - timedelta(seconds=1))))
