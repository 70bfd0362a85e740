"""`invoke submit` on ordinary and hostile archives: throughput and peak memory.

Builds a throw-away project with one route and a one-function pipeline, then, as a user would,
runs ``python -m invoke submit ARCHIVE`` under ``/usr/bin/time`` (peak resident set of the
process, ``%M``) on:

* an ordinary submission: ``manifest.json`` and CSV files, ``--csv-mb`` of them (default 1024),
  packed with ``tar czf``; the same archive is unpacked with ``tar -xzf`` for comparison;
* each attack of issue 10 at its reported size (tests/runtime/submissions/bombs.py builds them
  for the memory test too).

``invoke submit``'s peak is that of its process tree, and the embedded AWS keeps every object in
memory (the archive, its copy, the staged files). The dispatcher's own peak — what the Lambda
needs, S3 being elsewhere — is measured too: the same archives dispatched by
tests/runtime/submissions/measure_dispatch.py against a moto server in another process.

Archives are generated in a temporary folder and deleted afterwards.

    .venv/bin/python benchmarks/submissions.py [--csv-mb 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.projects import write_pipeline, write_settings  # noqa: E402
from tests.runtime.submissions.bombs import BOMBS, MIB  # noqa: E402
from tests.runtime.submissions.submission_archives import manifest_bytes  # noqa: E402

COUNT = "def handler(event, context):\n    return {'files': len(event['files'])}\n"
ROUTES = (
    "from dorc_runtime.submissions.routes import Route\n\n"
    'ROUTES = [Route(source_id=r"census_.*_v1", layer="raw", pipeline="census")]\n'
)


def timed(command: list[str], cwd: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS bytes, exit code) of ``command`` under /usr/bin/time."""
    shutil.rmtree(cwd / ".dorc", ignore_errors=True)  # the local store is loaded whole: start each run empty
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], cwd=cwd, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return wall, peak_kib * 1024, done.returncode


def csv_folder(root: Path, total_mb: int, file_mb: int = 64) -> Path:
    """manifest.json and CSV files of varied rows, ``total_mb`` MiB in all."""
    folder = root / "census_2021_v1"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(manifest_bytes())
    rows = b"".join(f"E{i:08d},{(i * 7919) % 100_003},{i % 97},area {i % 1013}\n".encode() for i in range(200_000))
    for n in range(max(1, total_mb // file_mb)):
        with (folder / f"part_{n:04d}.csv").open("wb") as out:
            out.write(b"area,count,group,name\n")
            left = file_mb * MIB
            while left > 0:
                out.write(rows[: min(left, len(rows))])
                left -= len(rows)
    return folder


def project(root: Path) -> Path:
    write_settings(root, "bench")
    write_pipeline(root, "raw", "census", 'Function(name="count")', {"count": COUNT})
    (root / "routes.py").write_text(ROUTES)
    (root / "tasks.py").write_text("from dorc_runtime.tasks import namespace  # noqa: F401\n")
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dispatcher_alone(root: Path, archives: list[Path]) -> None:
    """The dispatcher's own time and peak on each archive, S3 and Step Functions in another process."""
    import boto3

    from dorc_runtime.naming import LOCAL_ACCOUNT
    from tests.runtime.submissions.measure_dispatch import NAMING, REGION

    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        keys = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": REGION}
        s3 = boto3.client("s3", endpoint_url=endpoint, **keys)
        for _ in range(100):
            try:
                s3.list_buckets()
                break
            except Exception:
                time.sleep(0.1)
        for bucket in (NAMING.submissions_bucket(LOCAL_ACCOUNT), NAMING.holding_bucket(LOCAL_ACCOUNT)):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        boto3.client("stepfunctions", endpoint_url=endpoint, **keys).create_state_machine(
            name=NAMING.state_machine("raw", "census"),
            definition='{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}',
            roleArn=f"arn:aws:iam::{LOCAL_ACCOUNT}:role/bench",
        )
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
        for archive in archives:
            key = f"incoming/{archive.name}"
            s3.upload_file(str(archive), NAMING.submissions_bucket(LOCAL_ACCOUNT), key)
            done = subprocess.run([sys.executable, "-m", "tests.runtime.submissions.measure_dispatch", endpoint, key],
                                  cwd=REPO, env=env, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.splitlines()[-1])
            mib_s = archive.stat().st_size / MIB / max(result["seconds"], 0.01)
            print(f"  dispatcher alone, {archive.name:22} {result['status']:8} {result['rule'] or '':28}"
                  f" {result['seconds']:6.1f} s ({mib_s:5.0f} MiB/s of archive)  peak {result['peak_bytes'] / MIB:4.0f} MiB")
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=int, default=1024)
    parser.add_argument("--dispatcher-only", action="store_true", help="skip invoke submit and tar")
    args = parser.parse_args()
    invoke = [sys.executable, "-m", "invoke", "submit"]
    with tempfile.TemporaryDirectory(prefix="dorc-bench-submit-") as tmp:
        root = Path(tmp)
        repo = project(root / "bench")
        os.environ["PYTHONPATH"] = str(REPO)
        folder = csv_folder(root, args.csv_mb)
        archive = root / "census_2021_v1.tar.gz"
        subprocess.run(["tar", "czf", str(archive), "-C", str(folder), "."], check=True)
        data = sum(f.stat().st_size for f in folder.iterdir())
        print(f"ordinary: {data / MIB:.0f} MiB of CSV in a {archive.stat().st_size / MIB:.0f} MiB .tar.gz")
        shutil.rmtree(folder)
        bombs = [build(root / name) for build, name, _ in BOMBS.values()]
        if not args.dispatcher_only:
            out = root / "untar"
            out.mkdir()
            tar_s, tar_peak, _ = timed(["tar", "-xzf", str(archive), "-C", str(out)], root)
            shutil.rmtree(out)
            sub_s, sub_peak, code = timed([*invoke, str(archive)], repo)
            print(f"  tar -xzf      {tar_s:6.1f} s  {data / MIB / tar_s:6.0f} MiB/s  peak {tar_peak / MIB:4.0f} MiB")
            print(f"  invoke submit {sub_s:6.1f} s  {data / MIB / sub_s:6.0f} MiB/s  peak {sub_peak / MIB:4.0f} MiB"
                  f"  (exit {code}; {sub_s / tar_s:.1f}x tar's time)")
            for (case, (_, _, rule)), bomb in zip(BOMBS.items(), bombs, strict=True):
                seconds, peak, code = timed([*invoke, str(bomb)], repo)
                print(f"{case:30} {bomb.stat().st_size / 1024:8.0f} KiB  {seconds:5.1f} s  peak {peak / MIB:4.0f} MiB"
                      f"  exit {code} (expects {rule})")
        dispatcher_alone(root, [archive, *bombs])


if __name__ == "__main__":
    main()
