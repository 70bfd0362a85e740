"""EventBridge event patterns, built as plain dicts (pure)."""

from __future__ import annotations

FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")


def failure_pattern(state_machine_arn: str) -> dict:
    """Executions of one state machine that ended badly."""
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": list(FAILED_STATUSES), "stateMachineArn": [state_machine_arn]},
    }


def s3_object_created_pattern(bucket: str, prefix: str = "", suffix: str = "") -> dict:
    """Objects created in ``bucket`` whose key starts with ``prefix`` and ends with ``suffix``."""
    detail: dict = {"bucket": {"name": [bucket]}}
    if prefix and suffix:
        # one key can carry one matcher: a wildcard expresses both ends ('*' in keys is escaped)
        escaped = [part.replace("\\", "\\\\").replace("*", "\\*") for part in (prefix, suffix)]
        detail["object"] = {"key": [{"wildcard": f"{escaped[0]}*{escaped[1]}"}]}
    elif prefix:
        detail["object"] = {"key": [{"prefix": prefix}]}
    elif suffix:
        detail["object"] = {"key": [{"suffix": suffix}]}
    return {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}
