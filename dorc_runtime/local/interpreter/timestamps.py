"""Timestamps as Step Functions reads them (Wait's Timestamp/TimestampPath, Choice's Timestamp*
operators and IsTimestamp).

AWS: "Timestamps must conform to RFC3339 profile of ISO 8601, with the further restrictions that an
uppercase T must separate the date and time portions, and an uppercase Z must denote that a numeric
time zone offset is not present" (https://states-language.net/spec.html#timestamps). Python's
``datetime.fromisoformat`` alone also takes dates without a time, a space for the ``T`` and times
without a zone, so the shape is checked first.
"""

from __future__ import annotations

import re
from datetime import datetime

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


def parse_timestamp(value: object) -> datetime | None:
    """The instant ``value`` names, or None if it is not a timestamp AWS accepts."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # well-shaped but impossible: month 13, 25:00...
        return None
