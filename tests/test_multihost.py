"""Several hosts on one PostgreSQL database: three `flask worker` processes (each with its
own instance folder, so no shared scheduler lock) and gunicorn's scheduler share 300 jobs,
each claimed once; and concurrent recovery sweeps recover each expired job once."""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from scrapersky.extensions import db
from scrapersky.models import Job
from scrapersky.models.clock import utcnow
from scrapersky.models.job import submit_scan
from scrapersky.models.job_states import claim_pending_jobs, recover_expired_jobs
from tests.conftest import PG_ENV
from tests.processes import (
    ServerProcess,
    flask_args,
    server_env,
    wait_until,
)
from tests.sites import serve_site
from tests.test_processes import start_gunicorn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set"),
    # PostgreSQL only: several hosts never share one SQLite file.
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

JOBS = 300
SITES = 10
WORKER_HOSTS = 3
BOOT_TIMEOUT_SECONDS = 30.0
RUN_TIMEOUT_SECONDS = 60.0
SITE_PAGES = {"/": ("text/html", "<p>Write to info@acme.dev</p>")}
EXPIRED_JOBS = 50
SWEEPERS = 4
MAX_ATTEMPTS = 3


def host_env(database_url: str, tmp_path: Path, host: str) -> dict[str, str]:
    """The environment of one host: its own instance folder (and so its own lock)."""
    return server_env(database_url, tmp_path / host, EMAIL_SCAN_MAX_PAGES="1",
                      EMAIL_SCAN_CONCURRENCY="4")


def queue_jobs(app: Flask, site_urls: list[str], count: int) -> None:
    """Queue `count` scans of distinct sites, spread over the loopback servers."""
    with app.app_context():
        try:
            for n in range(count):
                submit_scan(db.session, site_key=f"site{n}.dev",
                            start_url=site_urls[n % len(site_urls)], created_by="t")
        finally:
            db.session.remove()


def job_rows(app: Flask) -> list:
    """Return (status, attempts, claimed_by) of every job."""
    with app.app_context():
        try:
            return list(db.session.execute(select(Job.status, Job.attempts, Job.claimed_by)))
        finally:
            db.session.remove()


def scheduler_pid(process: ServerProcess) -> int | None:
    """Return the pid that runs the process's scheduler, once it has started."""
    pids = process.scheduler_pids()
    return pids[0] if pids else None


def test_three_worker_hosts_and_gunicorn_share_300_jobs_each_claimed_once(
    app, database_url, processes, tmp_path
):
    with ExitStack() as stack:
        sites = [stack.enter_context(serve_site(SITE_PAGES)) for _ in range(SITES)]
        workers = [processes.start(f"worker{n}", flask_args("worker"),
                                   host_env(database_url, tmp_path, f"host{n}"))
                   for n in range(WORKER_HOSTS)]
        server, _ = start_gunicorn(processes, host_env(database_url, tmp_path, "web"),
                                   workers=2)
        everyone = [*workers, server]

        def all_started() -> list[int] | None:
            for process in everyone:
                assert process.is_running(), process.describe()
            pids = [scheduler_pid(process) for process in everyone]
            return pids if all(pids) else None

        schedulers = wait_until(all_started, BOOT_TIMEOUT_SECONDS, "4 schedulers to start")
        queue_jobs(app, [site.url for site in sites], JOBS)

        def all_complete() -> bool:
            for process in everyone:
                assert process.is_running(), process.describe()
            return [row.status for row in job_rows(app)].count("COMPLETE") == JOBS

        try:
            wait_until(all_complete, RUN_TIMEOUT_SECONDS, f"{JOBS} jobs COMPLETE")
        except AssertionError as exc:
            counts = Counter(row.status for row in job_rows(app))
            raise AssertionError(f"{exc}: {dict(counts)}") from None

    rows = job_rows(app)
    assert len(rows) == JOBS
    assert sum(row.attempts for row in rows) == JOBS
    assert max(row.attempts for row in rows) == 1
    claimers = Counter(int(row.claimed_by.rsplit(":", 1)[1]) for row in rows)
    assert set(claimers) <= set(schedulers), (claimers, schedulers)
    assert len(claimers) >= 2, claimers
    assert len(server.scheduler_pids()) == 1, server.describe()  # one per host, even here
    for process in everyone:
        assert "Traceback" not in process.stderr(), process.describe()


def make_expired_running_jobs(app: Flask, count: int) -> set[str]:
    """Queue and claim `count` jobs as a runner that then died: RUNNING, lease run out;
    every third one has used its last attempt. Return their public ids."""
    with app.app_context():
        try:
            for n in range(count):
                submit_scan(db.session, site_key=f"stalled{n}.dev",
                            start_url=f"https://stalled{n}.dev/", created_by="t")
            claims = claim_pending_jobs(db.session, count, "dead-host:1", 600)
            db.session.execute(update(Job).values(lease_expires_at=utcnow() - timedelta(
                seconds=1)))
            db.session.execute(update(Job).where(Job.id % 3 == 0).values(attempts=MAX_ATTEMPTS))
            db.session.commit()
            return {claim.job_id for claim in claims}
        finally:
            db.session.remove()


def test_concurrent_recovery_sweeps_recover_each_expired_job_exactly_once(app):
    expired = make_expired_running_jobs(app, EXPIRED_JOBS)
    assert len(expired) == EXPIRED_JOBS
    together = threading.Barrier(SWEEPERS)

    def sweep() -> list[tuple[str, str]]:
        with app.app_context():  # each sweeper has its own session and connection
            try:
                together.wait(timeout=10)
                return recover_expired_jobs(db.session, MAX_ATTEMPTS, 0.1)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(SWEEPERS) as pool:
        results = [future.result() for future in [pool.submit(sweep) for _ in range(SWEEPERS)]]

    recovered = [job_id for result in results for job_id, _ in result]
    assert len(recovered) == len(set(recovered)) == EXPIRED_JOBS  # disjoint lists
    assert set(recovered) == expired  # covering every expired job
    with app.app_context():
        statuses = dict(db.session.execute(
            select(Job.status, func.count()).where(Job.claim_token.is_(None))
            .group_by(Job.status)).all())
        by_job = dict(db.session.execute(select(Job.job_id, Job.status)).all())
        db.session.remove()
    assert statuses == {"PENDING": EXPIRED_JOBS - EXPIRED_JOBS // 3, "FAILED": EXPIRED_JOBS // 3}
    assert all(by_job[job_id] == status for result in results for job_id, status in result)
