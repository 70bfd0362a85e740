"""AWS EventBridge schedule expressions, checked with a maintained validator."""

from __future__ import annotations

import re

from aws_cron_expression_validator.validator import AWSCronExpressionValidator

_WRAPPED = re.compile(r"^cron\((.*)\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


def schedule_expression(text: str) -> str:
    """Return the EventBridge ``ScheduleExpression`` for ``text`` or raise ValueError with the fix."""
    text = text.strip()
    rate = _RATE.match(text)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count < 1 or (count == 1) != (not unit.endswith("s")):
            raise ValueError(f"{text!r}: write 'rate(1 day)' for one unit and 'rate(5 days)' for more")
        return text
    inner = _WRAPPED.match(text)
    fields = inner.group(1) if inner else text
    try:
        AWSCronExpressionValidator.validate(fields)
    except Exception as exc:  # the validator raises its own error type with a precise message
        raise ValueError(
            f"cron expression {text!r} is not valid for AWS ({exc}); AWS uses six fields "
            "'minutes hours day-of-month month day-of-week year', e.g. 'cron(0 6 * * ? *)'"
        ) from None
    return f"cron({fields})"
