"""In a real browser (Playwright driving Debian's Chromium) against real gunicorn: submit a
site, watch it complete without a reload, read and export its contacts; scraped markup
stays text; the token login guards the dashboard."""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.processes import ProcessRunner, process_runner, server_env
from tests.sites import PageSpec, TestSite, serve_site
from tests.test_processes import start_gunicorn

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="browser tests need the playwright package")
Browser, Page, expect = sync_api.Browser, sync_api.Page, sync_api.expect

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
JOB_TIMEOUT_MS = 20_000
SITE_GATE_SECONDS = 15.0
ACME_EMAILS = {"info@acme.dev", "maria.lopez@acme.dev", "press@acme.dev", "sales@acme.dev"}
TOKEN = "alice-token-0123456789abcdef"
ACME_PAGES: dict[str, PageSpec] = {
    "/": ("text/html", '<html><body><h1>Acme</h1><p>Write to <a href="mailto:info@acme.dev">'
          'us</a>.</p><a href="/contact">Contact</a> <a href="/about">About</a></body></html>'),
    "/contact": ("text/html", "<html><body><p>Sales: sales@acme.dev</p>"
                 "<p>Maria Lopez, maria.lopez@acme.dev</p></body></html>"),
    "/about": ("text/html", "<html><body><p>Press: press@acme.dev</p></body></html>"),
}
SCRIPT_TEXT = "<script>alert(1)</script>"
IMG_TEXT = "<img src=x onerror=alert(2)>"
# The markup is escaped in the site's HTML, so it is page *text* around the address.
XSS_PAGES: dict[str, PageSpec] = {
    "/": ("text/html", "<html><body><p>&lt;script&gt;alert(1)&lt;/script&gt; xss@evil.dev "
          "&lt;img src=x onerror=alert(2)&gt;</p></body></html>"),
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page; a dialog fails the test."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


@pytest.fixture
def env(app: Flask, database_url: str) -> dict[str, str]:
    """The server environment (fast scheduler, loopback sites) on the migrated database."""
    if not database_url.startswith("sqlite"):
        pytest.skip("browser tests run on SQLite only")
    return server_env(database_url, Path(app.instance_path),
                      EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES="0.01",
                      EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS="true")


@pytest.fixture
def processes(env: dict[str, str], tmp_path: Path) -> Iterator[ProcessRunner]:
    """Start processes whose groups are all killed before the database is dropped."""
    with process_runner(tmp_path) as runner:
        yield runner


@pytest.fixture
def gate() -> threading.Event:
    """Set to let the gated site answer: until then its scan cannot finish."""
    return threading.Event()


@pytest.fixture
def gated_site(gate: threading.Event) -> Iterator[TestSite]:
    """The Acme site, holding every request until the gate opens (at the latest when the
    test ends, so that no scan is left hanging for the server's shutdown)."""
    with serve_site(ACME_PAGES, on_request=lambda _path: gate.wait(SITE_GATE_SECONDS)) as site:
        try:
            yield site
        finally:
            gate.set()


def submit_on_dashboard(page: Page, site_url: str) -> None:
    """Submit a site with the dashboard's form and wait for the dashboard to come back."""
    page.fill("#url", site_url)
    with page.expect_navigation():
        page.click("form[action='/scan'] button[type=submit]")
    expect(page.locator(".flash.info")).to_contain_text("queued")


def job_row(page: Page, site_url: str):
    """Return the job table's row of a site (its host and port)."""
    return page.locator("#job-rows tr", has_text=site_url.split("//", 1)[1].rstrip("/"))


def test_dashboard_submit_goes_live_to_complete_then_shows_and_exports_contacts(
    processes, env, page, gated_site, gate
):
    _, base_url = start_gunicorn(processes, env, workers=2)
    page.goto(base_url + "/")
    submit_on_dashboard(page, gated_site.url)
    badge = job_row(page, gated_site.url).locator(".badge")
    expect(badge).to_have_text(re.compile("PENDING|RUNNING"))

    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    gate.set()
    expect(badge).to_have_text("COMPLETE", timeout=JOB_TIMEOUT_MS)
    assert page.evaluate("window.sameDocument") is True
    assert navigations == []

    job_row(page, gated_site.url).locator("td.site a").click()
    addresses = page.locator("#contact-rows td.address")
    expect(addresses).to_have_count(len(ACME_EMAILS))
    assert set(addresses.all_inner_texts()) == ACME_EMAILS
    with page.expect_download() as download_info:
        page.click("a:text-is('CSV')")
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert {row["email"] for row in rows} == ACME_EMAILS
    assert page.dialogs == []


def test_scraped_markup_shows_as_text_and_never_runs(processes, env, page):
    _, base_url = start_gunicorn(processes, env, workers=2)
    with serve_site(XSS_PAGES) as site:
        response = requests.post(f"{base_url}/api/v3/email-scan/scan/website",
                                 json={"url": site.url}, timeout=10)
        page.goto(f"{base_url}/jobs/{response.json()['job_id']}")
        expect(page.locator("#job-status .badge")).to_have_text("COMPLETE",
                                                                timeout=JOB_TIMEOUT_MS)
    context = page.locator("#contact-rows td.context")
    expect(context).to_have_count(1)
    expect(context).to_contain_text(SCRIPT_TEXT)
    expect(context).to_contain_text(IMG_TEXT)
    expect(context.locator("mark")).to_have_text("xss@evil.dev")
    assert context.locator("script, img").count() == 0
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == []


def test_login_guards_the_dashboard_then_a_scan_completes_and_logout_ends_it(
    processes, env, page, gated_site, gate
):
    _, base_url = start_gunicorn(processes, env, workers=2,
                                 SCRAPERSKY_API_TOKENS=f"alice:{TOKEN}")
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=/"))
    page.fill("#token", "not-the-token-0123456789")
    page.click("form button[type=submit]")
    expect(page.locator(".flash.error")).to_have_text("This token is not valid.")
    page.fill("#token", TOKEN)
    page.click("form button[type=submit]")
    expect(page).to_have_url(base_url + "/")
    expect(page.locator("form.logout")).to_contain_text("alice")

    submit_on_dashboard(page, gated_site.url)
    gate.set()
    badge = job_row(page, gated_site.url).locator(".badge")
    expect(badge).to_have_text("COMPLETE", timeout=JOB_TIMEOUT_MS)

    page.click("form.logout button")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=/"))
