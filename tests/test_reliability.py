"""Reliability with real processes on both databases: many workers claim each job once, a
killed worker's job is recovered, a zombie runner writes nothing, submit storms, SIGTERM
hands running scans back, and cancel stops a running scan."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select, update

from scrapersky.extensions import db
from scrapersky.models import Contact, Domain, Job, Page, TaskStatus
from scrapersky.models.clock import utcnow
from scrapersky.models.job import submit_scan
from scrapersky.models.job_states import (
    claim_job,
    finish_job,
    heartbeat,
    recover_expired_jobs,
    release_job,
    retry_job,
)
from scrapersky.schedulers.email_scan_scheduler import process_pending_email_scans, run_job
from tests.processes import (
    ProcessRunner,
    ServerProcess,
    flask_args,
    free_port,
    server_env,
    wait_until,
)
from tests.sites import TestSite, serve_site
from tests.test_processes import start_gunicorn

pytestmark = pytest.mark.slow

SUBMIT = "/api/v3/email-scan/scan/website"
STATUS = "/api/v3/email-scan/scan/status/{}"
FINISHED = {"COMPLETE", "FAILED", "CANCELLED"}
STEP_TIMEOUT_SECONDS = 15.0
GATE_TIMEOUT_SECONDS = 60.0
GATED_PATH = "/contact"
# "/" has one address and links only to the gated contact page, which links to more pages:
# a scan held at the gate has stored one page and would go on to the team pages.
GATED_PAGES = {
    "/": ("text/html", '<p>Write to info@acme.dev</p><a href="/contact">Contact</a>'),
    GATED_PATH: ("text/html", "<p>Sales: sales@acme.dev</p>"
                 + "".join(f'<a href="/team{n}">Team {n}</a>' for n in range(8))),
    **{f"/team{n}": ("text/html", f"<p>person{n}@acme.dev</p>") for n in range(8)},
}
SMALL_SITE = {
    "/": ("text/html", '<p>info@acme.dev</p><a href="/contact">Contact</a>'),
    "/contact": ("text/html", "<p>sales@acme.dev</p>"),
}


class Gate:
    """A request hook that holds every request for one path until opened and tells the
    test when the first one arrived (the scan is mid-flight)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, path: str) -> None:
        if path.split("?", 1)[0] == self.path:
            self.entered.set()
            self.opened.wait(GATE_TIMEOUT_SECONDS)

    def open(self) -> None:
        """Let every held and later request through."""
        self.opened.set()


@pytest.fixture
def env(app: Flask, database_url: str) -> dict[str, str]:
    """The server environment on the test app's migrated database, with a short shutdown."""
    return server_env(database_url, Path(app.instance_path),
                      EMAIL_SCAN_SHUTDOWN_GRACE_SECONDS="1", GUNICORN_GRACEFUL_TIMEOUT="5")


@pytest.fixture
def gated_site() -> Iterator[tuple[TestSite, Gate]]:
    """A site whose contact page hangs until the test opens the gate."""
    gate = Gate(GATED_PATH)
    with serve_site(GATED_PAGES, on_request=gate) as site:
        try:
            yield site, gate
        finally:
            gate.open()


def start_worker(processes: ProcessRunner, env: dict[str, str], name: str = "worker",
                 **settings: str) -> ServerProcess:
    """Start `flask --app app worker` with extra settings."""
    return processes.start(name, flask_args("worker"), {**env, **settings})


def queue_job(app: Flask, site_key: str, start_url: str) -> int:
    """Queue a scan directly in the database; return the job's primary key."""
    with app.app_context():
        try:
            return submit_scan(db.session, site_key, start_url, "t")[0].id
        finally:
            db.session.remove()


def read_job(app: Flask, pk: int) -> dict[str, Any]:
    """Return a job row's columns as the database holds them now."""
    with app.app_context():
        try:
            return dict(db.session.execute(
                select(Job.__table__).where(Job.id == pk)).mappings().one())
        finally:
            db.session.remove()


def query(app: Flask, statement: Any) -> list[Any]:
    """Run a read-only statement in a fresh session; return its rows."""
    with app.app_context():
        try:
            return list(db.session.execute(statement).all())
        finally:
            db.session.remove()


def status_counts(app: Flask) -> dict[str, int]:
    """Return how many jobs are in each state."""
    return dict(query(app, select(Job.status, func.count()).group_by(Job.status)))


def expire_lease(pk: int) -> None:
    """Make a running job's lease run out now (inside an app context)."""
    db.session.execute(update(Job).where(Job.id == pk)
                       .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def wait_for_job(app: Flask, pk: int, done: Callable[[dict[str, Any]], bool], what: str,
                 watched: tuple[ServerProcess, ...] = (), timeout: float = STEP_TIMEOUT_SECONDS
                 ) -> dict[str, Any]:
    """Return the job row once `done(row)` holds; fail with the row and the logs."""

    def check() -> dict[str, Any] | None:
        for process in watched:
            assert process.is_running(), f"{process.name} exited\n{process.describe()}"
        row = read_job(app, pk)
        return row if done(row) else None

    try:
        return wait_until(check, timeout, what)
    except AssertionError as exc:
        logs = "\n".join(process.describe() for process in watched)
        raise AssertionError(f"{exc}: {read_job(app, pk)}\n{logs}") from None


def test_four_workers_run_400_jobs_each_claimed_exactly_once(app, processes, env):
    with ExitStack() as stack:
        sites = [stack.enter_context(serve_site(SMALL_SITE)) for _ in range(10)]
        settings = {"EMAIL_SCAN_CONCURRENCY": "4", "EMAIL_SCAN_MAX_PAGES": "2"}
        workers = [start_worker(processes, env, f"worker{n}", **settings) for n in range(4)]
        for n in range(400):
            queue_job(app, f"site{n}.test", sites[n % len(sites)].url)

        def all_complete() -> bool:
            for worker in workers:
                assert worker.is_running(), worker.describe()
            return status_counts(app) == {"COMPLETE": 400}

        try:
            wait_until(all_complete, 90, "400 jobs COMPLETE")
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {status_counts(app)}") from None

    rows = query(app, select(Job.attempts, Job.claimed_by, Job.result_data))
    assert sum(row.attempts for row in rows) == 400
    assert {row.attempts for row in rows} == {1}
    assert {tuple(row.result_data["emails"]) for row in rows} == {
        ("info@acme.dev", "sales@acme.dev")}
    assert {row.claimed_by.rsplit(":", 1)[1] for row in rows} == {
        str(worker.pid) for worker in workers}
    for worker in workers:
        assert "database is locked" not in worker.stderr(), worker.describe()
        assert "Traceback" not in worker.stderr(), worker.describe()


def test_a_killed_workers_job_is_recovered_by_another_after_its_lease(
    app, processes, env, gated_site
):
    site, gate = gated_site
    pk = queue_job(app, "acme.test", site.url)
    lease = {"EMAIL_SCAN_JOB_LEASE_SECONDS": "2", "EMAIL_SCAN_RETRY_BASE_SECONDS": "0.1"}
    worker_a = start_worker(processes, env, "worker-a", **lease)
    wait_until(gate.entered.is_set, STEP_TIMEOUT_SECONDS, "worker A's scan to reach the gate")
    os.kill(worker_a.pid, signal.SIGKILL)
    worker_a.popen.wait(timeout=5)
    held = read_job(app, pk)
    assert (held["status"], held["attempts"]) == ("RUNNING", 1)
    assert held["claimed_by"].endswith(f":{worker_a.pid}")

    # B's own claims get a long lease, so a slow machine cannot make B recover its own job.
    worker_b = start_worker(processes, env, "worker-b",
                            **{**lease, "EMAIL_SCAN_JOB_LEASE_SECONDS": "60"})
    wait_for_job(app, pk, lambda row: row["attempts"] == 2, "worker B to recover and claim",
                 (worker_b,))
    gate.open()
    final = wait_for_job(app, pk, lambda row: row["status"] in FINISHED, "the job to finish",
                         (worker_b,))
    assert (final["status"], final["attempts"]) == ("COMPLETE", 2), worker_b.describe()
    assert final["claimed_by"].endswith(f":{worker_b.pid}")
    assert {"info@acme.dev", "sales@acme.dev"} <= set(final["result_data"]["emails"])
    assert "lease expired; recovered to PENDING" in worker_b.stderr()


def test_a_zombie_claim_cannot_write_after_its_job_was_recovered(app):
    pk = queue_job(app, "zombie.test", "https://zombie.test/")
    result_b = {"emails": ["b@zombie.test"], "pages_scanned": 1, "contacts_found": 1}
    zombie_result = {"emails": ["zombie@zombie.test"], "pages_scanned": 9, "contacts_found": 1}
    with app.app_context():
        zombie = claim_job(db.session, pk, "runner-a")
        expire_lease(pk)
        assert recover_expired_jobs(db.session, 3, 0.1) == [(zombie.job_id, "PENDING")]
        successor = claim_job(db.session, pk, "runner-b")
        assert successor is not None
        assert finish_job(db.session, successor, TaskStatus.COMPLETE, error=None,
                          result=result_b)
        db.session.remove()
    finished = read_job(app, pk)

    with app.app_context():
        assert not heartbeat(db.session, zombie, 600, progress=0.5, result=zombie_result)
        db.session.commit()
        assert not finish_job(db.session, zombie, TaskStatus.COMPLETE, error=None,
                              result=zombie_result)
        assert not finish_job(db.session, zombie, TaskStatus.FAILED, error="zombie", result=None)
        assert not retry_job(db.session, zombie, error="zombie", delay_seconds=1)
        assert not release_job(db.session, zombie)
        db.session.remove()
    assert read_job(app, pk) == finished
    assert (finished["status"], finished["attempts"]) == ("COMPLETE", 2)
    assert finished["result_data"] == result_b


def test_a_zombie_scan_stops_at_its_next_page_and_writes_nothing_more(app, gated_site):
    site, gate = gated_site
    pk = queue_job(app, "acme.test", site.url)
    with app.app_context():
        zombie = claim_job(db.session, pk, "zombie")
        db.session.remove()
    outcome: dict[str, str] = {}
    scan = threading.Thread(target=lambda: outcome.update(status=run_job(app, zombie)))
    scan.start()
    try:
        wait_until(gate.entered.is_set, STEP_TIMEOUT_SECONDS, "the scan to reach the gate")
        with app.app_context():
            expire_lease(pk)
            assert recover_expired_jobs(db.session, 3, 0.1) == [(zombie.job_id, "PENDING")]
            successor = claim_job(db.session, pk, "successor")
            db.session.remove()
        taken_over = read_job(app, pk)
        requests_before = len(site.requests)
    finally:
        gate.open()
        scan.join(STEP_TIMEOUT_SECONDS)
    assert not scan.is_alive()
    assert outcome == {"status": "RUNNING"}  # the job is the successor's now
    assert read_job(app, pk) == taken_over
    assert site.requests[requests_before:] == []
    with app.app_context():
        urls = set(db.session.scalars(select(Page.url)))
        emails = set(db.session.scalars(select(Contact.email)))
        assert urls == {site.url} and emails == {"info@acme.dev"}  # from before the takeover
        assert finish_job(db.session, successor, TaskStatus.COMPLETE, error=None, result={})
        db.session.remove()


def test_500_concurrent_submits_while_the_scheduler_runs(app, processes, env, gated_site):
    site, gate = gated_site
    server, base_url = start_gunicorn(
        processes, env, workers=4, EMAIL_SCAN_MAX_ATTEMPTS="1", EMAIL_SCAN_CONCURRENCY="4",
        EMAIL_SCAN_REQUEST_TIMEOUT_SECONDS="60",  # the gated duplicate stays RUNNING
        SCRAPERSKY_SUBMIT_RATE_LIMIT="off")  # one client sends all 550 submits
    # Distinct sites that fail at once: nothing listens on this port. (Names that fail on
    # DNS would do, but a resolver with no network can take 5-15 s to say so.)
    closed_port = free_port()
    domains = [f"127.1.{n // 250}.{n % 250 + 1}:{closed_port}" for n in range(500)]
    together = threading.Barrier(50)

    def submit(body: dict[str, str]) -> tuple[int, dict[str, Any]]:
        response = requests.post(f"{base_url}{SUBMIT}", json=body, timeout=60)
        return response.status_code, response.json()

    def submit_duplicate() -> tuple[int, dict[str, Any]]:
        together.wait(timeout=30)
        return submit({"url": site.url})

    with ThreadPoolExecutor(32) as pool, ThreadPoolExecutor(50) as burst:
        distinct = [pool.submit(submit, {"domain": domain}) for domain in domains]
        duplicates = [burst.submit(submit_duplicate) for _ in range(50)]
        answers = [future.result() for future in distinct]
        duplicate_answers = [future.result() for future in duplicates]
        scanned_meanwhile = sum(status_counts(app).get(s, 0) for s in ("RUNNING", "FAILED"))

    assert {code for code, _ in answers + duplicate_answers} == {202}, server.describe()
    assert [body["domain"] for _, body in answers] == domains
    assert not any(body["deduplicated"] for _, body in answers)
    assert len({body["job_id"] for _, body in duplicate_answers}) == 1
    assert sum(not body["deduplicated"] for _, body in duplicate_answers) == 1
    rows = query(app, select(Domain.host, Job.job_id).join(Job.domain))
    site_key = site.url.split("/")[2]
    assert sorted(host for host, _ in rows) == sorted([*domains, site_key])
    assert {job_id for _, job_id in rows} == {
        body["job_id"] for _, body in answers + duplicate_answers}
    assert scanned_meanwhile > 1, "the scheduler did not run during the submits"
    assert len(server.scheduler_pids()) == 1
    # Scans go on after the storm; none is claimed twice (each fails at once, for good).
    attempts = dict(query(app, select(Job.status, func.max(Job.attempts)).group_by(Job.status)))
    assert set(attempts) <= {"PENDING", "RUNNING", "FAILED"}
    assert attempts.get("PENDING", 0) == 0 and attempts["FAILED"] == attempts["RUNNING"] == 1
    assert "database is locked" not in server.stderr(), server.describe()


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
