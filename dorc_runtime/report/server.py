"""``invoke ui``: the runs list and each run's report, served read-only on 127.0.0.1.

The standard library's ``http.server`` is enough here and adds no dependency: one local user,
GET only, pages rendered from files on each request (a run in progress refreshes itself every 2 s).
It is not meant to face a network, which is why it binds to the loopback address only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import DorcError
from ..runs.store import RunStore
from .pages import run_page, runs_page

HOST = "127.0.0.1"
# a run id never starts with a dot, so no path here can leave .dorc/runs/
_RUN = re.compile(r"^/runs/([A-Za-z0-9_-][A-Za-z0-9_.-]*)/?$")
_PAYLOAD = re.compile(r"^/runs/([A-Za-z0-9_-][A-Za-z0-9_.-]*)/payloads/([0-9a-f]+\.json)$")


def handler_for(store: RunStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "dorc-ui"

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            path = self.path.split("?", 1)[0]
            if path == "/":
                return self._send(runs_page(store.summaries(), lambda run_id: f"/runs/{run_id}"))
            if match := _RUN.match(path):
                run_id = match.group(1)
                try:
                    page = run_page(store, run_id, lambda f, r=run_id: f"/runs/{r}/{f}",
                                    lambda other: f"/runs/{other}", live=True)
                except (DorcError, OSError, ValueError):  # unknown, or being pruned
                    return self._send(f"No run {run_id}", HTTPStatus.NOT_FOUND, "text/plain")
                return self._send(page)
            if match := _PAYLOAD.match(path):
                file = store.folder(match.group(1)) / "payloads" / match.group(2)
                if file.is_file():
                    return self._send(file.read_text(encoding="utf-8"), content_type="application/json")
            return self._send("Not found", HTTPStatus.NOT_FOUND, "text/plain")

        def _send(self, body: str, status: HTTPStatus = HTTPStatus.OK,
                  content_type: str = "text/html") -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            return  # quiet: the terminal shows the address, not every request

    return Handler


def make_server(project_root: Path, port: int = 0) -> ThreadingHTTPServer:
    """Bound to 127.0.0.1 (``port`` 0: a free one the system picks); GET only."""
    server = ThreadingHTTPServer((HOST, port), handler_for(RunStore(project_root)))
    server.daemon_threads = True
    return server


def serve(project_root: Path, port: int, say: Callable[[str], None]) -> None:
    """Serve until Ctrl-C, then close the socket and return."""
    try:
        server = make_server(project_root, port)
    except OSError as exc:
        raise DorcError(f"Cannot listen on {HOST}:{port}: {exc.strerror}.",
                        "pick another --port, or leave it out for a free one") from None
    with server:
        say(f"Serving dorc runs on http://{HOST}:{server.server_address[1]}/ (read-only; Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            say("Stopped.")
