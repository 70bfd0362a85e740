"""Reports and `invoke ui` in a real browser: Debian's headless Chromium driven by Playwright
(never `playwright install`; .ci/browser-up installs /usr/bin/chromium). Screenshots are kept in
pytest's tmp dir as test artefacts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from invoke import Context

from dorc_runtime.report.server import make_server
from dorc_runtime.tasks.runs import report

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium: run .ci/browser-up (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def check_failed_map_run(page) -> None:  # noqa: ANN001 - a Playwright Page
    """What a reader of the failed raw/fanout run must be able to see and do."""
    nodes = page.locator("g.node[data-state]")
    assert nodes.count() == 3
    # every state says its outcome in words, not only by colour
    assert page.locator('g.node[data-state="first"] text.note').text_content() == "✓ succeeded"
    assert page.locator('g.node[data-state="each.item"] text.note').text_content() == "✗ failed"
    assert page.locator('g.node[data-state="each"]').get_attribute("aria-label") == "each: ✗ failed"
    details = page.locator("#details")
    assert "No state chosen yet." in details.inner_text()
    page.click('g.node[data-state="each.item"]')
    failed = details.locator('.attempt[data-status="FAILED"]')
    assert failed.count() == 1
    text = failed.inner_text()
    assert "Error: RuntimeError: each2 is broken" in text
    assert '"n": 2' in text  # the failed item's input
    assert "each2 ran" in text  # what its handler printed
    items = page.locator('details.container[data-container="each"]')
    item = items.locator('details.item[data-index="2"]')
    assert not item.is_visible()
    items.locator("summary").first.click()
    assert item.is_visible() and item.get_attribute("data-outcome") == "failed"
    item.locator("summary").click()
    assert "each2 is broken" in item.inner_text()


def test_a_report_file_opens_offline(browser, failed_map_run, tmp_path):
    project, run_id = failed_map_run
    output = tmp_path / "report.html"
    report(Context(), run=run_id, output=str(output))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(output.as_uri())
    check_failed_map_run(page)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert requested == [output.as_uri()]  # nothing fetched: CSS, JS and SVG are inline


def test_the_ui_lists_runs_and_opens_a_report(browser, failed_map_run, tmp_path):
    project, run_id = failed_map_run
    server = make_server(project.root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        row = page.locator(f'tr[data-run="{run_id}"]')
        assert "FAILED" in row.inner_text() and "raw/fanout" in row.inner_text()
        page.screenshot(path=str(tmp_path / "ui-runs.png"))
        row.locator("a").click()
        page.wait_for_selector("g.node[data-state]")
        check_failed_map_run(page)
        page.screenshot(path=str(tmp_path / "ui-report.png"), full_page=True)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
