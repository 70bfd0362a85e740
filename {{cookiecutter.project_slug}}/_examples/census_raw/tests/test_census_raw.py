"""The raw census pipeline run as ``invoke run`` runs it (the ``dorc`` fixture of
dorc_runtime.testing: the real state machine and handlers, the embedded AWS, an empty holding
store per test), on the bundled sample and on a submitted ``data.csv``."""

import importlib.util
from pathlib import Path

import pytest

from dorc_runtime.testing import ExecutionFailed

PIPELINE = Path(__file__).resolve().parents[1]
LAYER, NAME = PIPELINE.parent.name, PIPELINE.name
HEADER = "year,region,area,age_band,population"
SUBMISSION = "submissions/census_2021_v1/census_2021_v1-0123456789abcdef/"


def submission_event():
    """What the dispatcher starts this pipeline with, after staging the archive's files."""
    return {
        "submission_id": "census_2021_v1-0123456789abcdef",
        "source_id": "census_2021_v1",
        "manifest": {"manifestVersion": 1, "source_id": "census_2021_v1"},
        "files": [SUBMISSION + "notes/readme.txt", SUBMISSION + "data.csv"],
        "options": {},
    }


def call_fails(dorc, function, event):
    with pytest.raises(ExecutionFailed) as failed:
        dorc.call(function, NAME, layer=LAYER, event=event)
    return failed.value


def test_the_pipeline_publishes_the_year_where_processed_reads_it(dorc):
    result = dorc.run(NAME, layer=LAYER, event={"year": 2021})

    assert result.succeeded, result.failure
    assert result.states() == ["fetch", "validate", "publish"]
    assert result.output["key"] == "census/raw/2021.csv"
    lines = dorc.read("census/raw/2021.csv").decode().splitlines()
    assert lines[0] == HEADER
    assert len(lines) - 1 == result.output["rows"] > 0
    assert all(line.startswith("2021,") for line in lines[1:])
    assert dorc.keys() == ["census/raw/2021.csv"]  # the staged tmp/ copy was removed


def test_a_submission_publishes_the_submitted_file_not_the_sample(dorc):
    submitted = f"{HEADER}\n2021,North,Ashford Vale,0-17,5\n2021,South,Dunmere,65+,7\n"
    dorc.seed({SUBMISSION + "data.csv": submitted})

    result = dorc.run(NAME, layer=LAYER, event=submission_event())

    assert result.succeeded, result.failure
    assert result.output == {"year": 2021, "bucket": dorc.bucket, "key": "census/raw/2021.csv", "rows": 2}
    assert dorc.read("census/raw/2021.csv").decode() == submitted


def test_a_submission_without_data_csv_is_refused(dorc):
    event = submission_event()
    event["files"] = [key for key in event["files"] if not key.endswith("/data.csv")]

    failed = call_fails(dorc, "fetch", event)

    assert failed.error == "ValueError"
    assert "The submission has no data.csv" in failed.cause


def test_a_submission_for_another_year_than_asked_is_refused(dorc):
    dorc.seed({SUBMISSION + "data.csv": f"{HEADER}\n2021,North,A,0-17,5\n"})

    failed = call_fails(dorc, "fetch", {**submission_event(), "year": 2011})

    assert "for 2011; available years: 2021" in failed.cause


def test_fetch_defaults_to_the_latest_year_and_stages_it(dorc):
    output = dorc.call("fetch", NAME, layer=LAYER, event={})

    assert output["year"] == 2021
    assert dorc.keys("tmp/") == [output["staged_key"]] == ["tmp/census/2021.csv"]


def test_fetch_refuses_a_year_without_data(dorc):
    assert "no census sample for 1999" in call_fails(dorc, "fetch", {"year": 1999}).cause


def test_validate_names_every_bad_row(dorc):
    bad = f"{HEADER}\n2021,North,A,0-17,-5\n2021,North,A,0-17,10\n2021,,B,old,7\n"
    dorc.seed({"tmp/census/2021.csv": bad})
    event = {"year": 2021, "bucket": dorc.bucket, "staged_key": "tmp/census/2021.csv", "rows": 3}

    failed = call_fails(dorc, "validate", event)

    assert failed.error == "CensusValidationError"
    for problem in (
        "line 2: population '-5'",
        "line 3: ('North', 'A', '0-17') appears twice",
        "line 4: region and area must not be empty",
        "line 4: age band 'old'",
    ):
        assert problem in failed.cause


def test_validate_refuses_unexpected_columns():
    # a pure helper of the handler's module: no AWS needed
    spec = importlib.util.spec_from_file_location("census_raw_validate", PIPELINE / "src" / "validate" / "lambda.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.problems_in("year,region,population\n2021,North,3\n", 2021) == [
        "columns are ['year', 'region', 'population'], expected "
        "['year', 'region', 'area', 'age_band', 'population']"
    ]
