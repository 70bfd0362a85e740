"""publish: move the validated census to where the processed pipeline reads it."""

import boto3

RAW_PREFIX = "census/raw/"

s3 = boto3.client("s3")


def handler(event, context):
    bucket, staged = event["bucket"], event["staged_key"]
    key = f"{RAW_PREFIX}{event['year']}.csv"
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": staged})
    s3.delete_object(Bucket=bucket, Key=staged)
    print(f"published s3://{bucket}/{key}")
    return {"year": event["year"], "bucket": bucket, "key": key, "rows": event["rows"]}
