"""Schedules in a time zone: IANA names, which AWS service runs a cron trigger, next run times."""

from .next_runs import next_runs
from .zones import DEFAULT_TIMEZONE, check_timezone, is_zoned, schedule_timezone

__all__ = ["DEFAULT_TIMEZONE", "check_timezone", "is_zoned", "next_runs", "schedule_timezone"]
