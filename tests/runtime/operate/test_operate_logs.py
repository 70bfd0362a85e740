from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from operate_helpers import REGION

from dorc_runtime.errors import AwsError, DorcError
from dorc_runtime.operate import parse_since, run_logs
from dorc_runtime.operate.logs import fetch


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        (" 45s ", timedelta(seconds=45)),
    ],
)
def test_since(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["", "1", "h", "1y", "-1h", "1.5h"])
def test_bad_since_is_refused(text):
    with pytest.raises(DorcError, match="is not a duration"):
        parse_since(text)


def put_logs(group: str, messages: list[tuple[datetime, str]]) -> None:
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2024/01/31/[$LATEST]abc")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2024/01/31/[$LATEST]abc",
        logEvents=[{"timestamp": int(at.timestamp() * 1000), "message": text} for at, text in messages],
    )


def test_logs_since_a_moment_from_the_functions_log_group(aws_env, target, seams):
    now = datetime.now(UTC).replace(microsecond=0)
    seams.now = lambda: now
    group = "/aws/lambda/census-demo-prod-raw-census-fetch"
    assert target.log_group("fetch") == group
    with mock_aws():
        put_logs(
            group,
            [
                (now - timedelta(hours=3), "old"),
                (now - timedelta(minutes=20), "START [x]\n"),
                (now - timedelta(minutes=10), "fetched 3 rows"),
            ],
        )
        lines = run_logs(target, "fetch", "1h", seams)
    assert [line.message for line in lines] == ["START [x]", "fetched 3 rows"]
    assert f"{now - timedelta(minutes=10):%Y-%m-%d %H:%M:%S} fetched 3 rows" in seams.console.export_text()


def test_logs_page_through_every_result(aws_env, target):
    now = datetime.now(UTC)
    group = target.log_group("clean")
    with mock_aws():
        put_logs(group, [(now - timedelta(seconds=i), f"line {i}") for i in range(120, 0, -1)])
        logs = boto3.client("logs", region_name=REGION)
        original = logs.filter_log_events
        pages = []

        def small_pages(**kwargs):
            pages.append(kwargs.get("nextToken"))
            return original(limit=50, **kwargs)

        logs.filter_log_events = small_pages
        lines = list(fetch(logs, target, "clean", now - timedelta(hours=1)))
    assert len(lines) == 120 and len(pages) == 3


def test_a_function_that_never_logged(aws_env, target, seams):
    with mock_aws(), pytest.raises(AwsError) as error:
        run_logs(target, "fetch", "1h", seams)
    assert "no logs for fetch in prod yet" in error.value.message
    assert "invoke start census --layer raw --env prod" in error.value.fix


def test_no_events_in_the_window(aws_env, target, seams):
    with mock_aws():
        put_logs(target.log_group("fetch"), [(datetime.now(UTC) - timedelta(days=3), "old")])
        assert run_logs(target, "fetch", "1h", seams) == []
    assert "No log events for fetch since" in seams.console.export_text()
