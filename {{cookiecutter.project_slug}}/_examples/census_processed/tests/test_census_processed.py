"""The processed census functions against an in-memory S3 (moto)."""

import csv
import importlib.util
import io
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

PIPELINE = Path(__file__).resolve().parents[1]
BUCKET = "census-test-holding"
REGION = "eu-west-2"
RAW = (
    "year,region,area,age_band,population\n"
    "2021,North,A,0-17,100\n2021,North,A,65+,50\n2021,North,B,18-64,250\n"
    "2021,South,C,65+,30\n2021,South,C,18-64,70\n"
)


def load(function):
    """Import src/<function>/lambda.py by path ('lambda' is a keyword, so no import statement)."""
    spec = importlib.util.spec_from_file_location(
        f"census_processed_{function}", PIPELINE / "src" / function / "lambda.py"
    )
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


def test_aggregate_sums_population_by_region(s3):
    s3.put_object(Bucket=BUCKET, Key="census/raw/2021.csv", Body=RAW.encode())

    result = load("aggregate").handler({"year": 2021}, None)

    assert result["regions"] == [
        {"region": "North", "population": 400, "aged_65_plus": 50, "share_65_plus": 0.125},
        {"region": "South", "population": 100, "aged_65_plus": 30, "share_65_plus": 0.3},
    ]


def test_aggregate_reads_the_latest_year_by_default(s3):
    s3.put_object(Bucket=BUCKET, Key="census/raw/2011.csv", Body=RAW.replace("2021", "2011").encode())
    s3.put_object(Bucket=BUCKET, Key="census/raw/2021.csv", Body=RAW.encode())

    assert load("aggregate").handler({}, None)["year"] == 2021


def test_aggregate_says_to_run_raw_first_when_nothing_is_published(s3):
    with pytest.raises(FileNotFoundError, match="run the raw census pipeline first"):
        load("aggregate").handler({}, None)


def test_publish_writes_the_curated_table_and_returns_where(s3):
    regions = [{"region": "North", "population": 400, "aged_65_plus": 50, "share_65_plus": 0.125}]

    result = load("publish").handler({"year": 2021, "regions": regions}, None)

    assert result["uri"] == f"s3://{BUCKET}/census/curated/population_by_region_2021.csv"
    body = s3.get_object(Bucket=BUCKET, Key=result["key"])["Body"].read().decode()
    assert list(csv.DictReader(io.StringIO(body))) == [
        {"region": "North", "population": "400", "aged_65_plus": "50", "share_65_plus": "0.125"}
    ]
