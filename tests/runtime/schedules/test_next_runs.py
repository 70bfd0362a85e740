"""Next run times of AWS cron expressions in a time zone, across daylight-saving changes.

EventBridge Scheduler's rules (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time):
a wall time skipped when clocks go forward does not run; a wall time that happens twice when
clocks go back runs once. Europe/London changes on the last Sunday of March (01:00 GMT -> 02:00
BST) and of October (02:00 BST -> 01:00 GMT); in 2026 those are 29 March and 25 October.
Field syntax (``?``, ``L``, ``W``, ``#``): https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dorc_runtime.schedules import check_timezone, is_zoned, next_runs

LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def in_utc(runs: list[datetime]) -> list[str]:
    return [f"{run.astimezone(UTC):%Y-%m-%d %H:%M}" for run in runs]


def test_weekday_mornings_keep_london_time_when_the_clocks_go_forward() -> None:
    runs = next_runs("cron(30 9 ? * MON-FRI *)", LONDON, utc(2026, 3, 26, 12, 0))
    # Fri 27 March 09:30 GMT; Mon 30 and Tue 31 March 09:30 BST (08:30 UTC)
    assert in_utc(runs) == ["2026-03-27 09:30", "2026-03-30 08:30", "2026-03-31 08:30"]
    assert [f"{run:%H:%M %Z}" for run in runs] == ["09:30 GMT", "09:30 BST", "09:30 BST"]


def test_a_time_skipped_when_the_clocks_go_forward_does_not_run() -> None:
    # 01:30 does not exist in London on 29 March 2026
    runs = next_runs("cron(30 1 * * ? *)", LONDON, utc(2026, 3, 27, 12, 0))
    assert in_utc(runs) == ["2026-03-28 01:30", "2026-03-30 00:30", "2026-03-31 00:30"]


def test_a_time_repeated_when_the_clocks_go_back_runs_once() -> None:
    # 01:30 happens twice in London on 25 October 2026 (BST, then GMT): it runs at the first
    runs = next_runs("cron(30 1 * * ? *)", LONDON, utc(2026, 10, 24, 12, 0))
    assert in_utc(runs) == ["2026-10-25 00:30", "2026-10-26 01:30", "2026-10-27 01:30"]


def test_inside_the_repeated_hour_the_repeated_times_do_not_run_again() -> None:
    # 01:10 GMT, the second 01:10 of the night: 01:30 already ran at 00:30 UTC (BST)
    runs = next_runs("cron(0/30 * * * ? *)", LONDON, utc(2026, 10, 25, 1, 10))
    assert in_utc(runs) == ["2026-10-25 02:00", "2026-10-25 02:30", "2026-10-25 03:00"]


def test_hourly_runs_across_the_spring_gap() -> None:
    runs = next_runs("cron(0 * * * ? *)", LONDON, utc(2026, 3, 29, 0, 5))
    # 01:00 GMT becomes 02:00 BST at 01:00 UTC: 01:00 local is skipped, 02:00 BST is 01:00 UTC
    assert in_utc(runs) == ["2026-03-29 01:00", "2026-03-29 02:00", "2026-03-29 03:00"]
    assert [f"{run:%H:%M %Z}" for run in runs] == ["02:00 BST", "03:00 BST", "04:00 BST"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # L: last day of the month
        ("cron(0 12 L * ? *)", ["2026-02-28 12:00", "2026-03-31 11:00", "2026-04-30 11:00"]),
        # W: the weekday nearest the 15th (15 Feb and 15 Mar 2026 are Sundays -> Monday 16th)
        ("cron(0 12 15W * ? *)", ["2026-02-16 12:00", "2026-03-16 12:00", "2026-04-15 11:00"]),
        # #: the third Friday (6 = FRI)
        ("cron(0 12 ? * 6#3 *)", ["2026-02-20 12:00", "2026-03-20 12:00", "2026-04-17 11:00"]),
        # L in day-of-week: the last Sunday (1 = SUN): the changeover days themselves
        ("cron(0 12 ? * 1L *)", ["2026-02-22 12:00", "2026-03-29 11:00", "2026-04-26 11:00"]),
    ],
)
def test_special_fields_in_london(expression: str, expected: list[str]) -> None:
    assert in_utc(next_runs(expression, LONDON, utc(2026, 2, 1))) == expected


def test_a_year_field_ends_the_runs() -> None:
    assert in_utc(next_runs("cron(0 6 1 1 ? 2027)", LONDON, utc(2026, 6, 1))) == ["2027-01-01 06:00"]


def test_rate_expressions_have_no_wall_clock_times() -> None:
    assert next_runs("rate(1 day)", LONDON, utc(2026, 6, 1)) == []


def test_utc_cron_is_a_rule_and_other_zones_are_scheduler_schedules() -> None:
    assert not is_zoned("cron(0 6 * * ? *)", "UTC")
    assert is_zoned("cron(0 6 * * ? *)", LONDON)
    assert not is_zoned("rate(1 day)", LONDON)


def test_unknown_zones_are_refused_with_the_fix() -> None:
    assert check_timezone("America/New_York") == "America/New_York"
    with pytest.raises(ValueError, match=r"'Europe/Londres' is not an IANA time zone name; use one such as"):
        check_timezone("Europe/Londres")


def test_counting_runs_follows_the_same_daylight_saving_rules() -> None:
    """A month of 01:30 London runs: March loses the skipped 29th
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time),
    October's repeated 01:30 runs once; both ends as given: [start, end)."""
    from dorc_runtime.schedules.next_runs import count_runs

    london = ZoneInfo("Europe/London")
    march = (datetime(2026, 3, 1, tzinfo=london), datetime(2026, 4, 1, tzinfo=london))
    october = (datetime(2026, 10, 1, tzinfo=london), datetime(2026, 11, 1, tzinfo=london))
    assert count_runs("cron(30 1 * * ? *)", "Europe/London", *march) == 30
    assert count_runs("cron(30 1 * * ? *)", "Europe/London", *october) == 31
    first_run = datetime(2026, 3, 1, 1, 30, tzinfo=london)
    assert count_runs("cron(30 1 * * ? *)", "Europe/London", first_run, first_run + timedelta(days=1)) == 1
    assert count_runs("rate(1 hour)", "UTC", *march) == 0  # rate() is not a cron: counted by the cost module
