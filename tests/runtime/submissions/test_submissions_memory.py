"""Peak memory of the dispatcher on the attacks of issue 10, each at its reported size, measured in
a process of its own (its ``VmHWM``; ``ru_maxrss`` would include this test process's peak, see
measure_dispatch.py) against a real moto server. The goal
is 256 MB whatever the archive (the Lambda has 1024 MB); Python, boto3 and pydantic alone take
about 90 MB of it. No timing is asserted (benchmarks/submissions.py reports times)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from dorc_runtime.naming import LOCAL_ACCOUNT
from tests.runtime.submissions.bombs import BOMBS, MIB, zeros_zip
from tests.runtime.submissions.measure_dispatch import NAMING, REGION

MEMORY_BOUND = 256 * 1024 * 1024
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client(
        "s3", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    for bucket in (NAMING.submissions_bucket(LOCAL_ACCOUNT), NAMING.holding_bucket(LOCAL_ACCOUNT)):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield endpoint, s3
    server.stop()


def measure(endpoint: str, key: str) -> dict:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.runtime.submissions.measure_dispatch", endpoint, key],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=240, check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


CASES = {**BOMBS, "1 GiB of zeros in a .zip": (lambda p: zeros_zip(p, 256 * MIB), "zeros.zip", "archive.compression_ratio")}


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", sorted(CASES))
def test_peak_memory_stays_under_the_bound_whatever_the_archive(case, moto_endpoint, tmp_path):
    endpoint, s3 = moto_endpoint
    build, name, rule = CASES[case]
    archive = build(tmp_path / name)
    key = f"incoming/{name}"
    s3.upload_file(str(archive), NAMING.submissions_bucket(LOCAL_ACCOUNT), key)

    measured = measure(endpoint, key)
    print(f"\n{case}: {archive.stat().st_size} bytes, peak {measured['peak_bytes'] / MIB:.0f} MiB, {measured['seconds']} s")

    assert (measured["status"], measured["rule"]) == ("rejected", rule)
    assert measured["archive_key"].startswith("failed/") and measured["report_key"].endswith("/report.json")
    assert measured["peak_bytes"] < MEMORY_BOUND, f"{case}: {measured['peak_bytes'] / MIB:.0f} MiB"
