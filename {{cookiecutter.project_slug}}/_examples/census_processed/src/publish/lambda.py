"""publish: write the curated table and say where it is."""

import csv
import io
import os

import boto3

CURATED_PREFIX = "census/curated/"
COLUMNS = ["region", "population", "aged_65_plus", "share_65_plus"]

s3 = boto3.client("s3")


def handler(event, context):
    bucket = os.environ["DORC_HOLDING_BUCKET"]
    key = f"{CURATED_PREFIX}population_by_region_{event['year']}.csv"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(event["regions"])
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode("utf-8"), ContentType="text/csv")
    print(f"wrote {len(event['regions'])} regions to s3://{bucket}/{key}")
    return {"year": event["year"], "bucket": bucket, "key": key, "uri": f"s3://{bucket}/{key}", "rows": len(event["regions"])}
