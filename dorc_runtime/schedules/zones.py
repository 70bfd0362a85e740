"""Time zones of cron triggers (pure; the IANA database is read through :mod:`zoneinfo`).

EventBridge rules evaluate cron in UTC only; EventBridge Scheduler evaluates it in any IANA zone
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#time-zones). So a
cron trigger whose zone is not UTC is deployed as a Scheduler schedule, and one in UTC stays an
EventBridge rule (the same times, and existing deployments keep their rules).
"""

from __future__ import annotations

import zoneinfo

DEFAULT_TIMEZONE = "UTC"
UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone (e.g. 'Europe/London'), else ValueError with the fix."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"time zone {name!r} is not an IANA time zone name; use one such as 'Europe/London', "
            "'America/New_York' or 'UTC'"
        ) from None
    return name


def schedule_timezone(trigger_timezone: str | None, project_timezone: str = DEFAULT_TIMEZONE) -> str:
    """A trigger's own zone, else the project's default (``UniversalConfig.timezone``)."""
    return trigger_timezone or project_timezone


def is_zoned(expression: str, timezone: str) -> bool:
    """Whether the trigger needs EventBridge Scheduler: a cron expression outside UTC."""
    return expression.startswith("cron(") and timezone not in UTC_NAMES
