"""In a real browser (headless Chromium, where installed): the dashboard's script swaps in
a job's new state without reloading the page, under the strict CSP."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from scrapersky.extensions import db
from scrapersky.models import Job
from scrapersky.models.clock import utcnow
from tests.test_dashboard import make_job

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


class FinishOnFirstPoll:
    """WSGI wrapper: counts requests, and completes every job when the script first polls."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests: Counter[str] = Counter()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        self.requests[path] += 1
        if path == "/partials/jobs" and self.requests[path] == 1:
            with self.app.app_context():
                db.session.execute(update(Job).values(status="COMPLETE", finished_at=utcnow(),
                                                      progress=1.0))
                db.session.commit()
        return self.app(environ, start_response)


@pytest.fixture
def served(app) -> Iterator[tuple[str, FinishOnFirstPoll]]:
    """The app on a loopback port, in a thread."""
    wrapper = FinishOnFirstPoll(app)
    server = make_server("127.0.0.1", 0, wrapper, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", wrapper
    finally:
        server.shutdown()
        thread.join(5)


def dump_dom(url: str, tmp_path) -> str:
    """Load a page in headless Chromium, let its timers run, and return the final DOM."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--no-first-run",
               f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=8000",
               "--dump-dom", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_badge_changes_from_pending_to_complete_without_a_reload(app, served, tmp_path):
    base, wrapper = served
    job_id = make_job(app, "acme.dev", "PENDING")
    dom = dump_dom(base + "/", tmp_path)
    row = dom.split(f'id="job-{job_id}"', 1)[1].split("</tr>", 1)[0]
    assert '<span class="badge complete">COMPLETE</span>' in row
    assert 'data-active="false"' in dom  # and the script stopped polling
    assert wrapper.requests["/"] == 1  # swapped in place, never reloaded
    assert wrapper.requests["/static/dashboard.js"] == 1
    assert wrapper.requests["/partials/jobs"] >= 1
