"""The raw census functions against an in-memory S3 (moto), one by one and chained, on the
bundled sample and on a submitted ``data.csv``."""

import importlib.util
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

PIPELINE = Path(__file__).resolve().parents[1]
BUCKET = "census-test-holding"
REGION = "eu-west-2"


def load(function):
    """Import src/<function>/lambda.py by path ('lambda' is a keyword, so no import statement)."""
    spec = importlib.util.spec_from_file_location(f"census_raw_{function}", PIPELINE / "src" / function / "lambda.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("DORC_HOLDING_BUCKET", BUCKET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


def test_fetch_validate_publish_puts_the_year_where_processed_reads_it(s3):
    event = {"year": 2021}
    for function in ("fetch", "validate", "publish"):
        event = load(function).handler(event, None)

    assert event["key"] == "census/raw/2021.csv"
    body = s3.get_object(Bucket=BUCKET, Key=event["key"])["Body"].read().decode()
    lines = body.splitlines()
    assert lines[0] == "year,region,area,age_band,population"
    assert len(lines) - 1 == event["rows"] > 0
    assert all(line.startswith("2021,") for line in lines[1:])
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="tmp/").get("KeyCount") == 0


def submission_event(s3, data):
    """What the dispatcher starts this pipeline with, after staging the archive's data.csv."""
    prefix = "submissions/census_2021_v1/census_2021_v1-0123456789abcdef/"
    s3.put_object(Bucket=BUCKET, Key=prefix + "data.csv", Body=data.encode())
    return {
        "submission_id": "census_2021_v1-0123456789abcdef",
        "source_id": "census_2021_v1",
        "manifest": {"manifestVersion": 1, "source_id": "census_2021_v1"},
        "files": [prefix + "notes/readme.txt", prefix + "data.csv"],
        "options": {},
    }


def test_a_submission_publishes_the_submitted_file_not_the_sample(s3):
    submitted = "year,region,area,age_band,population\n2021,North,Ashford Vale,0-17,5\n2021,South,Dunmere,65+,7\n"
    event = submission_event(s3, submitted)
    for function in ("fetch", "validate", "publish"):
        event = load(function).handler(event, None)

    assert event == {"year": 2021, "bucket": BUCKET, "key": "census/raw/2021.csv", "rows": 2}
    assert s3.get_object(Bucket=BUCKET, Key=event["key"])["Body"].read().decode() == submitted


def test_a_submission_without_data_csv_is_refused(s3):
    event = submission_event(s3, "year,region,area,age_band,population\n")
    event["files"] = [key for key in event["files"] if not key.endswith("/data.csv")]
    with pytest.raises(ValueError, match="The submission has no data.csv"):
        load("fetch").handler(event, None)


def test_a_submission_for_another_year_than_asked_is_refused(s3):
    event = submission_event(s3, "year,region,area,age_band,population\n2021,North,A,0-17,5\n")
    with pytest.raises(ValueError, match="no census in submission census_2021_v1-0123456789abcdef .* for 2011"):
        load("fetch").handler({**event, "year": 2011}, None)


def test_fetch_defaults_to_the_latest_year(s3):
    assert load("fetch").handler({}, None)["year"] == 2021


def test_fetch_refuses_a_year_without_data(s3):
    with pytest.raises(ValueError, match="no census sample for 1999"):
        load("fetch").handler({"year": 1999}, None)


def test_validate_names_every_bad_row(s3):
    bad = "year,region,area,age_band,population\n2021,North,A,0-17,-5\n2021,North,A,0-17,10\n2021,,B,old,7\n"
    s3.put_object(Bucket=BUCKET, Key="tmp/census/2021.csv", Body=bad.encode())
    event = {"year": 2021, "bucket": BUCKET, "staged_key": "tmp/census/2021.csv", "rows": 3}
    validate = load("validate")

    with pytest.raises(validate.CensusValidationError) as raised:
        validate.handler(event, None)

    message = str(raised.value)
    assert "line 2: population '-5'" in message
    assert "line 3: ('North', 'A', '0-17') appears twice" in message
    assert "line 4: region and area must not be empty" in message
    assert "line 4: age band 'old'" in message


def test_validate_refuses_unexpected_columns():
    problems = load("validate").problems_in("year,region,population\n2021,North,3\n", 2021)
    assert problems == [
        "columns are ['year', 'region', 'population'], expected "
        "['year', 'region', 'area', 'age_band', 'population']"
    ]
