"""The processed census pipeline run as ``invoke run`` and ``invoke call`` run it (the ``dorc``
fixture of dorc_runtime.testing), on a raw census seeded in the holding store."""

import csv
import io
from pathlib import Path

import pytest

from dorc_runtime.testing import ExecutionFailed

PIPELINE = Path(__file__).resolve().parents[1]
LAYER, NAME = PIPELINE.parent.name, PIPELINE.name
RAW = (
    "year,region,area,age_band,population\n"
    "2021,North,A,0-17,100\n2021,North,A,65+,50\n2021,North,B,18-64,250\n"
    "2021,South,C,65+,30\n2021,South,C,18-64,70\n"
)
REGIONS = [
    {"region": "North", "population": 400, "aged_65_plus": 50, "share_65_plus": 0.125},
    {"region": "South", "population": 100, "aged_65_plus": 30, "share_65_plus": 0.3},
]


def test_the_pipeline_writes_the_curated_table(dorc):
    dorc.seed({"census/raw/2021.csv": RAW})

    result = dorc.run(NAME, layer=LAYER, event={"year": 2021})

    assert result.succeeded, result.failure
    assert result.states() == ["aggregate", "publish"]
    assert result.output["key"] == "census/curated/population_by_region_2021.csv"
    rows = list(csv.DictReader(io.StringIO(dorc.read(result.output["key"]).decode())))
    assert rows == [{key: str(value) for key, value in region.items()} for region in REGIONS]


def test_aggregate_sums_population_by_region(dorc):
    dorc.seed({"census/raw/2021.csv": RAW})

    assert dorc.call("aggregate", NAME, layer=LAYER, event={"year": 2021})["regions"] == REGIONS


def test_aggregate_reads_the_latest_year_by_default(dorc):
    dorc.seed({"census/raw/2011.csv": RAW.replace("2021", "2011"), "census/raw/2021.csv": RAW})

    assert dorc.call("aggregate", NAME, layer=LAYER, event={})["year"] == 2021


def test_aggregate_says_to_run_raw_first_when_nothing_is_published(dorc):
    with pytest.raises(ExecutionFailed) as failed:
        dorc.call("aggregate", NAME, layer=LAYER, event={})
    assert failed.value.error == "FileNotFoundError"
    assert "run the raw census pipeline first" in failed.value.cause


def test_publish_writes_the_curated_table_and_returns_where(dorc):
    result = dorc.call("publish", NAME, layer=LAYER, event={"year": 2021, "regions": REGIONS[:1]})

    assert result["uri"] == f"s3://{dorc.bucket}/census/curated/population_by_region_2021.csv"
    assert dorc.keys() == ["census/curated/population_by_region_2021.csv"]
