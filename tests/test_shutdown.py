"""Stopping scans on both databases: SIGTERM hands a running scan back to the queue, and
cancel stops one and keeps what it found."""

from __future__ import annotations

import signal
import threading

import pytest

from scrapersky.schedulers.email_scan_scheduler import process_pending_email_scans
from tests.processes import wait_until
from tests.reliability import (
    STATUS,
    STEP_TIMEOUT_SECONDS,
    SUBMIT,
    queue_job,
    read_job,
    start_worker,
)
from tests.test_processes import start_gunicorn

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("server_kind", ["flask-worker", "gunicorn"])
def test_sigterm_hands_a_running_scan_back_to_the_queue(
    app, processes, env, gated_site, server_kind
):
    site, gate = gated_site
    settings = {"EMAIL_SCAN_SHUTDOWN_GRACE_SECONDS": "1",
                "EMAIL_SCAN_REQUEST_TIMEOUT_SECONDS": "2"}  # the gate never opens in time
    if server_kind == "gunicorn":
        server, _ = start_gunicorn(processes, env, workers=2, **settings)
    else:
        server = start_worker(processes, env, **settings)
    pk = queue_job(app, "acme.test", site.url)
    wait_until(gate.entered.is_set, STEP_TIMEOUT_SECONDS, "the scan to reach the gate")

    server.popen.send_signal(signal.SIGTERM)
    assert server.popen.wait(timeout=10) == 0, server.describe()
    row = read_job(app, pk)
    assert (row["status"], row["attempts"]) == ("PENDING", 1), server.describe()
    assert row["claim_token"] is None and row["run_after"] is None
    assert "released to PENDING for shutdown" in server.stderr()


def test_cancel_stops_a_running_scan_and_keeps_what_it_found(app, client, gated_site):
    site, gate = gated_site
    job_id = client.post(SUBMIT, json={"url": site.url}).json["job_id"]
    tick = threading.Thread(target=process_pending_email_scans, args=(app,))
    tick.start()
    try:
        wait_until(gate.entered.is_set, STEP_TIMEOUT_SECONDS, "the scan to reach the gate")
        cancelled = client.post(f"/api/v3/email-scan/jobs/{job_id}/cancel")
        requests_before = len(site.requests)
    finally:
        gate.open()
        tick.join(STEP_TIMEOUT_SECONDS)
    assert not tick.is_alive()
    assert cancelled.status_code == 200 and cancelled.json["status"] == "CANCELLED"
    assert len(site.requests[requests_before:]) <= 2
    assert not any(path.startswith("/team") for path in site.requests)
    status = client.get(STATUS.format(job_id)).json
    assert status["status"] == "CANCELLED"
    assert status["result"]["emails"] == ["info@acme.dev"]
    contacts = client.get(f"/api/v3/email-scan/jobs/{job_id}/contacts").json["contacts"]
    assert [contact["email"] for contact in contacts] == ["info@acme.dev"]
