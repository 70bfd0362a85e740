"""fetch: stage one year of the census in the holding store.

A real pipeline would call the census API here; this example reads the small sample shipped
next to this file so it runs offline. The staged copy goes under ``tmp/``, the holding store's
temporary prefix (expired by a lifecycle rule in AWS).
"""

import csv
import io
import os
from pathlib import Path

import boto3

SAMPLE = Path(__file__).with_name("census_sample.csv")
STAGING_PREFIX = "tmp/census/"

s3 = boto3.client("s3")


def handler(event, context):
    event = event or {}
    with SAMPLE.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        columns = reader.fieldnames or []
        rows = list(reader)
    years = sorted({row["year"] for row in rows})
    year = str(event.get("year") or years[-1])
    if year not in years:
        raise ValueError(f"There is no census sample for {year}; available years: {', '.join(years)}")

    selected = [row for row in rows if row["year"] == year]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(selected)

    bucket = os.environ["DORC_HOLDING_BUCKET"]
    key = f"{STAGING_PREFIX}{year}.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode("utf-8"), ContentType="text/csv")
    print(f"staged {len(selected)} rows for {year} at s3://{bucket}/{key}")
    return {"year": int(year), "bucket": bucket, "staged_key": key, "rows": len(selected)}
