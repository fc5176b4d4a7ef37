"""Reliability with real processes on both databases: many workers claim each job once, a
killed worker's job is recovered, a zombie runner writes nothing, and submit storms."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from scrapersky.extensions import db
from scrapersky.models import Contact, Domain, Job, Page, TaskStatus
from scrapersky.models.job_states import (
    claim_job,
    finish_job,
    heartbeat,
    recover_expired_jobs,
    release_job,
    retry_job,
)
from scrapersky.schedulers.email_scan_scheduler import run_job
from tests.processes import free_port, wait_until
from tests.reliability import (
    FINISHED,
    SMALL_SITE,
    STEP_TIMEOUT_SECONDS,
    SUBMIT,
    expire_lease,
    query,
    queue_job,
    read_job,
    start_worker,
    status_counts,
    wait_for_job,
)
from tests.sites import serve_site
from tests.test_processes import start_gunicorn

pytestmark = pytest.mark.slow


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
