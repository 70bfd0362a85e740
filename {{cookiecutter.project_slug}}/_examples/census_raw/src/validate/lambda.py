"""validate: check the staged census before anything downstream relies on it.

Every problem is reported with its line number; one bad row fails the run, so nothing half-valid
is published.
"""

import csv
import io

import boto3

COLUMNS = ["year", "region", "area", "age_band", "population"]
AGE_BANDS = {"0-17", "18-64", "65+"}
MAX_REPORTED = 10

s3 = boto3.client("s3")


class CensusValidationError(ValueError):
    """The staged census breaks a rule; the message lists the rows."""


def problems_in(text, year):
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != COLUMNS:
        return [f"columns are {reader.fieldnames}, expected {COLUMNS}"]
    problems, seen = [], set()
    for line, row in enumerate(reader, start=2):
        if row["year"] != str(year):
            problems.append(f"line {line}: year {row['year']!r} is not {year}")
        if not row["region"].strip() or not row["area"].strip():
            problems.append(f"line {line}: region and area must not be empty")
        if row["age_band"] not in AGE_BANDS:
            problems.append(f"line {line}: age band {row['age_band']!r} is not one of {sorted(AGE_BANDS)}")
        if not row["population"].isdigit():
            problems.append(f"line {line}: population {row['population']!r} is not a whole number >= 0")
        cell = (row["region"], row["area"], row["age_band"])
        if cell in seen:
            problems.append(f"line {line}: {cell} appears twice")
        seen.add(cell)
    if not seen:
        problems.append("the file has no rows")
    return problems


def handler(event, context):
    body = s3.get_object(Bucket=event["bucket"], Key=event["staged_key"])["Body"].read()
    problems = problems_in(body.decode("utf-8"), event["year"])
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED])
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise CensusValidationError(f"{event['staged_key']}: {shown}{more}")
    print(f"validated {event['rows']} rows for {event['year']}")
    return {**event, "validated": True}
