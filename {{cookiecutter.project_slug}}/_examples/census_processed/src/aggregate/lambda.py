"""aggregate: population by region and age band from the published raw census."""

import csv
import io
import os

import boto3

RAW_PREFIX = "census/raw/"

s3 = boto3.client("s3")


def latest_year(bucket):
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=RAW_PREFIX).get("Contents", [])
    years = sorted(int(o["Key"][len(RAW_PREFIX):-len(".csv")]) for o in listed if o["Key"].endswith(".csv"))
    if not years:
        raise FileNotFoundError(
            f"Nothing under s3://{bucket}/{RAW_PREFIX}: run the raw census pipeline first"
        )
    return years[-1]


def aggregate(rows):
    regions = {}
    for row in rows:
        totals = regions.setdefault(row["region"], {"region": row["region"], "population": 0, "aged_65_plus": 0})
        count = int(row["population"])
        totals["population"] += count
        if row["age_band"] == "65+":
            totals["aged_65_plus"] += count
    for totals in regions.values():
        totals["share_65_plus"] = round(totals["aged_65_plus"] / totals["population"], 4) if totals["population"] else 0.0
    return sorted(regions.values(), key=lambda r: r["region"])


def handler(event, context):
    event = event or {}
    bucket = os.environ["DORC_HOLDING_BUCKET"]
    year = int(event.get("year") or latest_year(bucket))
    key = f"{RAW_PREFIX}{year}.csv"
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    regions = aggregate(csv.DictReader(io.StringIO(body)))
    print(f"aggregated {key} into {len(regions)} regions")
    return {"year": year, "source": f"s3://{bucket}/{key}", "regions": regions}
