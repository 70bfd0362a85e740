"""`invoke ui`: read-only pages on 127.0.0.1, a run in progress refreshing itself, Ctrl-C stops it."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from dorc_runtime.report.server import make_server
from dorc_runtime.runs.store import RunStore, write_record


@pytest.fixture
def served(failed_map_run):
    project, run_id = failed_map_run
    server = make_server(project.root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", project, run_id
    server.shutdown()
    server.server_close()
    thread.join(5)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_it_listens_on_the_loopback_address_only(served):
    base, _, _ = served
    assert base.startswith("http://127.0.0.1:") and not base.endswith(":0")


def test_the_runs_list_links_each_run_to_its_report(served):
    base, _, run_id = served
    status, page = get(base + "/")
    assert status == 200 and f'<a href="/runs/{run_id}">{run_id}</a>' in page and "FAILED" in page
    assert 'http-equiv="refresh"' not in page  # nothing in progress
    status, report = get(f"{base}/runs/{run_id}")
    assert status == 200 and 'data-state="each.item" data-outcome="failed"' in report


def test_a_run_in_progress_refreshes_and_shows_its_running_state(served):
    base, project, run_id = served
    store = RunStore(project.root)
    record_file = store.folder(run_id) / "run.json"
    record = json.loads(record_file.read_text())
    record.update(status="RUNNING", stopped=None,
                  running={"/each": {"scope": "", "state": "each", "at": record["started"]}})
    write_record(store.folder(run_id), record)  # as the recorder rewrites it during a run
    _, listing = get(base + "/")
    assert 'http-equiv="refresh" content="2"' in listing and "running" in listing
    _, report = get(f"{base}/runs/{run_id}")
    assert 'http-equiv="refresh" content="2"' in report
    assert 'data-state="each" data-outcome="running"' in report


def test_nothing_but_reading_and_unknown_paths_are_not_found(served):
    base, project, run_id = served
    request = urllib.request.Request(f"{base}/runs/{run_id}", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 501  # no write actions: http.server answers "Unsupported method"
    assert get(f"{base}/runs/../../etc/passwd")[0] == 404
    assert get(f"{base}/runs/no-such-run")[0] == 404
    (project.root / ".dorc" / "payloads").mkdir()
    (project.root / ".dorc" / "payloads" / "ab.json").write_text("{}")  # outside .dorc/runs/
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    connection.request("GET", "/runs/../payloads/ab.json")  # sent as written, not normalised
    assert connection.getresponse().status == 404
    connection.close()
    assert (project.root / ".dorc" / "runs" / run_id / "run.json").exists()


@pytest.mark.timeout(60)
def test_ctrl_c_stops_the_server_cleanly(failed_map_run):
    project, _ = failed_map_run
    process = subprocess.Popen([sys.executable, "-m", "invoke", "ui"], cwd=project.root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("Serving dorc runs on http://127.0.0.1:")
        url = first.split()[4]
        assert get(url)[0] == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "Stopped." in out and "Traceback" not in err
    time.sleep(0.1)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)
