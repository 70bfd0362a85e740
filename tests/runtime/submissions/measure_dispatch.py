"""Dispatch one archive already in the submissions bucket of a moto server; print the outcome and
this process's peak memory as JSON. Run as its own process, so that the peak is the dispatcher's
and nothing else's. Linux carries ``ru_maxrss`` over ``execve`` from the parent (the kernel keeps
the larger of the old and new high-water marks), so a child started by a big test process would
report the parent's peak; ``VmHWM`` in ``/proc/self/status`` belongs to the new program alone and
is the figure asserted. Both are printed.

    python -m tests.runtime.submissions.measure_dispatch ENDPOINT KEY
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import boto3

from dorc_runtime.naming import LOCAL_ACCOUNT, Naming
from dorc_runtime.submissions.dispatcher import AwsClients, Dispatcher, DispatcherSettings
from dorc_runtime.submissions.events import IncomingObject
from dorc_runtime.submissions.routes import Route, RouteTable

REGION = "eu-west-2"
NAMING = Naming("acme", "test")
TABLE = RouteTable((Route(source_id=r"census_.*_v1", layer="raw", pipeline="census"),))


def vm_hwm_bytes() -> int:
    """The peak resident set of this program (since its exec), from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(endpoint: str, key: str) -> dict:
    clients = AwsClients(
        *(boto3.client(service, region_name=REGION, endpoint_url=endpoint) for service in ("s3", "stepfunctions", "sns"))
    )
    topic = clients.sns.create_topic(Name=NAMING.failure_topic())["TopicArn"]
    settings = DispatcherSettings(NAMING, REGION, LOCAL_ACCOUNT, NAMING.holding_bucket(LOCAL_ACCOUNT), topic)
    started = time.perf_counter()
    outcome = Dispatcher(TABLE, settings, clients).dispatch(IncomingObject(NAMING.submissions_bucket(LOCAL_ACCOUNT), key))
    return {
        "status": outcome.status,
        "rule": (outcome.report or {}).get("rule"),
        "archive_key": outcome.archive_key,
        "report_key": outcome.report_key,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_bytes": vm_hwm_bytes(),
        "ru_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # kilobytes on Linux
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:3])))
