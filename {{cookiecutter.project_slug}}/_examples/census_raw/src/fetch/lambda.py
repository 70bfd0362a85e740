"""fetch: stage one year of the census in the holding store.

Two ways in. A submission (an archive routed here by ``routes.py``; the event is the
dispatcher's ``{submission_id, source_id, manifest, files, options}``) brings ``data.csv``, which
the dispatcher staged in the holding store: that file is read. Any other run (``invoke run``, a
schedule) reads the small sample shipped next to this file, so the example runs offline; a real
pipeline would call the census API there. The staged copy goes under ``tmp/``, the holding
store's temporary prefix (expired by a lifecycle rule in AWS).
"""

import csv
import io
import os
from pathlib import Path

import boto3

SAMPLE = Path(__file__).with_name("census_sample.csv")
SUBMITTED_FILE = "data.csv"
STAGING_PREFIX = "tmp/census/"

s3 = boto3.client("s3")


def submitted_key(files):
    """The holding-store key of the submission's ``data.csv`` (keys end with the archive path)."""
    for key in files:
        if key.rsplit("/", 1)[-1] == SUBMITTED_FILE:
            return key
    raise ValueError(f"The submission has no {SUBMITTED_FILE}; its files are {files}")


def read_census(event, bucket):
    """(the census CSV text, what it is): the submitted file, else the bundled sample."""
    if event.get("files"):
        key = submitted_key(event["files"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body.decode("utf-8"), f"census in submission {event.get('submission_id')} (s3://{bucket}/{key})"
    return SAMPLE.read_text(encoding="utf-8"), "census sample"


def handler(event, context):
    event = event or {}
    bucket = os.environ["DORC_HOLDING_BUCKET"]
    text, source = read_census(event, bucket)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    rows = list(reader)
    years = sorted({row.get("year") or "" for row in rows} - {""})
    if not years:
        raise ValueError(f"The {source} has no rows with a year")
    year = str(event.get("year") or years[-1])
    if year not in years:
        raise ValueError(f"There is no {source} for {year}; available years: {', '.join(years)}")

    selected = [row for row in rows if row["year"] == year]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(selected)

    key = f"{STAGING_PREFIX}{year}.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode("utf-8"), ContentType="text/csv")
    print(f"staged {len(selected)} rows for {year} from {source} at s3://{bucket}/{key}")
    return {"year": int(year), "bucket": bucket, "staged_key": key, "rows": len(selected)}
