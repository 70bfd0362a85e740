"""Property-based: archives with random member names, types and sizes (hypothesis), and the
dispatcher's invariants on each: it never writes outside its prefixes or its working folder, never
loses the archive, stays within a memory bound, and leaves exactly one of processed/ or
failed/ + report.json."""

from __future__ import annotations

import io
import itertools
import json
import tarfile
import tracemalloc
import zipfile

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dorc_runtime.submissions.dispatcher import Dispatcher, submission_id
from dorc_runtime.submissions.routes import Route, RouteTable
from tests.runtime.submissions.conftest import TEST_LIMITS
from tests.runtime.submissions.submission_archives import manifest_bytes, special, zip_symlink

# Python-level allocations while one small archive is dispatched (moto's included).
MEMORY_BOUND = 32 * 1024 * 1024
PARTS = ["data.csv", "a", "b.txt", "data.csv", "..", ".", "x:y.csv", "é", "a\\b", "C:", "manifest.json", "d" * 70, "\x00", "\n"]
KINDS = ["file", "file", "file", "dir", "symlink", "hardlink", "fifo"]

names = st.tuples(st.sampled_from(["", "", "", "./", "/"]), st.lists(st.sampled_from(PARTS), min_size=1, max_size=4)).map(
    lambda t: t[0] + "/".join(t[1])
)
members = st.lists(
    st.tuples(names, st.sampled_from(KINDS), st.binary(max_size=64) | st.integers(0, 4096).map(lambda n: b"\0" * n)),
    max_size=6,
)
archives = st.tuples(st.sampled_from(["tar", "tar.gz", "zip"]), st.booleans(), members)


def build(fmt: str, with_manifest: bool, entries: list[tuple[str, str, bytes]]) -> bytes:
    if with_manifest:
        entries = [("manifest.json", "file", manifest_bytes()), ("data.csv", "file", b"a,b\n1,2\n"), *entries]
    buffer = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, kind, data in entries:
                if kind == "symlink":
                    archive.writestr(zip_symlink(name or "x"), data)
                elif kind == "dir":
                    archive.writestr(zipfile.ZipInfo((name or "x").rstrip("/") + "/"), b"")
                else:
                    archive.writestr(zipfile.ZipInfo(name or "x"), data)
        return buffer.getvalue()
    types = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE}
    with tarfile.open(fileobj=buffer, mode="w:gz" if fmt == "tar.gz" else "w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, data in entries:
            if kind == "file":
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(special(name, types[kind], "data.csv"))
    return buffer.getvalue()


@pytest.mark.timeout(600)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(archive=archives)
def test_dispatcher_invariants_hold_for_random_archives(archive, world, tmp_path):
    # one world for all examples (a fresh moto per example would dominate the run): each example
    # has its own key, and the checks look at that submission's keys only
    fmt, with_manifest, entries = archive
    table = RouteTable((Route(source_id=r"census_.*_v1", layer="raw", pipeline="census"),), TEST_LIMITS)
    workdir = tmp_path / f"work-{next(COUNTER)}"
    workdir.mkdir()
    try:
        body = build(fmt, with_manifest, entries)
    except (ValueError, tarfile.TarError):
        return  # a name the writer itself refuses (e.g. NUL in a PAX header is fine, but not in zip)
    obj = world.put(f"{workdir.name}.{fmt}", body)
    sid = submission_id(obj)
    name = obj.key.removeprefix("incoming/")

    tracemalloc.start()
    try:
        outcome = Dispatcher(table, world.settings, world.clients, workdir=workdir).dispatch(obj)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    event(f"{outcome.status} {(outcome.report or {}).get('rule', '')}")  # --hypothesis-show-statistics
    assert peak < MEMORY_BOUND
    assert list(workdir.iterdir()) == []  # extracted into its temporary folder only, and cleaned up
    assert obj.key not in world.keys("incoming/")  # never left behind ...
    processed, failed, report = f"processed/{sid}/{name}", f"failed/{sid}/{name}", f"failed/{sid}/report.json"
    mine = [k for k in world.keys() if sid in k]
    if outcome.status == "accepted":
        assert mine == [processed]
    else:
        assert outcome.status == "rejected"
        assert outcome.report["rule"] != "dispatcher.unexpected_error", outcome.report  # every input has a named rule
        assert mine == sorted([failed, report])
        assert json.loads(world.read(report))["rule"] == outcome.report["rule"]
    assert world.read(processed if outcome.status == "accepted" else failed) == body  # ... and never lost
    assert all(k.startswith(("incoming/", "processed/", "failed/")) for k in world.keys())
    holding = world.clients.s3.list_objects_v2(Bucket=world.settings.holding_bucket).get("Contents", [])
    assert all(o["Key"].startswith("submissions/census_2021_v1/") for o in holding)


COUNTER = itertools.count()
