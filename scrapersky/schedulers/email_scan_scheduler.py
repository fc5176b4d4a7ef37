"""Poll for PENDING email scans, claim them, run them in a bounded pool, record failures."""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask, current_app
from sqlalchemy.exc import OperationalError

from scrapersky import metrics
from scrapersky.extensions import db, scheduler
from scrapersky.models.job_states import (
    Claim,
    claim_pending_jobs,
    fail_or_retry,
    recover_expired_jobs,
)
from scrapersky.tasks.email_scraper import scan_website_for_emails

logger = logging.getLogger(__name__)
SCHEDULER_JOB_ID = "process_pending_email_scans"


def worker_id() -> str:
    """Return who is claiming: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class ScanPool:
    """Runs up to `size` scans at once and claims only as many jobs as it has free slots.
    When a poll filled every slot, a finishing scan polls again at once (`refill`)."""

    def __init__(self, app: Flask, size: int, *, refill: bool = True) -> None:
        self.app, self.size, self.refill = app, size, refill
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="email-scan")
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._futures: set[Future] = set()
        self._saturated = False
        self._accepting = True
        self._releasing = threading.Event()

    def poll(self) -> int:
        """Recover expired leases, claim due jobs into free slots and start them."""
        with self._poll_lock:
            if not self._accepting:
                return 0
            metrics.record_tick()
            recover_stalled_jobs(self.app)
            with self._lock:
                free = self.size - len(self._futures)
            limit = min(free, self.app.config["EMAIL_SCAN_SCHEDULER_BATCH_SIZE"])
            if limit < 1:
                return 0  # full; the next finishing scan polls again
            claims = claim_jobs(self.app, limit)
            with self._lock:
                # Every slot offered was taken: more may be waiting, so refill on each finish.
                self._saturated = len(claims) == limit
                futures = [self._executor.submit(self._run, claim) for claim in claims]
                self._futures.update(futures)
            for future in futures:  # outside the lock: a finished future calls back at once
                future.add_done_callback(self._done)
            return len(claims)

    def _run(self, claim: Claim) -> None:
        try:
            run_job(self.app, claim, self._releasing.is_set)
        except Exception:  # even recording the failure failed (database gone): the lease
            # expires and the sweep requeues the job; say so instead of losing it silently
            logger.exception("job_id=%s could not be finished; its lease will expire",
                             claim.job_id)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)
            again = self.refill and self._saturated and self._accepting
        if again:
            try:
                self._executor.submit(self.poll)
            except RuntimeError:  # shut down between the check and the submit
                pass

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no scan runs; False if some still run after `timeout`."""
        with self._lock:
            futures = set(self._futures)
        return not wait(futures, timeout=timeout).not_done

    def shutdown(self, grace_seconds: float | None) -> None:
        """Stop claiming; let running scans finish within the grace period, then have the
        rest release their jobs to PENDING (attempt counts kept) and wait for them."""
        self._accepting = False
        if not self.wait_idle(grace_seconds):
            logger.warning("grace period over; releasing running scans to PENDING")
            self._releasing.set()
            self.wait_idle()
        self._executor.shutdown(wait=True)


def claim_jobs(app: Flask, limit: int) -> list[Claim]:
    """Claim up to `limit` due jobs in one short transaction and log the outcome."""
    if limit < 1:
        return []
    with app.app_context():
        try:
            claims = claim_pending_jobs(db.session, limit, worker_id(),
                                        app.config["EMAIL_SCAN_JOB_LEASE_SECONDS"])
        finally:
            db.session.remove()
    logger.info("found %d pending email scan job(s) for %d free slot(s)", len(claims), limit)
    for claim in claims:
        logger.info("job_id=%s claimed by %s", claim.job_id, worker_id())
    return claims


def run_job(app: Flask, claim: Claim, should_release=lambda: False, on_progress=None) -> str:
    """Run one claimed scan in its own app context; if it raises, record the failure."""
    latest: dict[str, Any] = {}  # the scan's result as of its last stored page

    def report(result: dict[str, Any]) -> None:
        latest.update(result)
        if on_progress is not None:
            on_progress(result)

    with app.app_context():
        logger.info("job_id=%s running", claim.job_id)
        started = metrics.record_scan_started()
        try:
            status = scan_website_for_emails(claim.job_id, claim.created_by, claim=claim,
                                             should_release=should_release, on_progress=report)
        except Exception as exc:
            logger.exception("job_id=%s raised", claim.job_id)
            status = record_exception(app, claim, exc)
        finally:
            db.session.remove()
        metrics.record_scan_ended(status, started, latest)
        logger.info("job_id=%s finished with status %s", claim.job_id, status)
        return status


def record_exception(app: Flask, claim: Claim, exc: Exception) -> str:
    """Mark the job FAILED with the error, or requeue it when the database was busy."""
    db.session.rollback()
    status = fail_or_retry(
        db.session, claim, error=f"scan error: {exc}",
        transient=isinstance(exc, OperationalError),
        max_attempts=app.config["EMAIL_SCAN_MAX_ATTEMPTS"],
        retry_base_seconds=app.config["EMAIL_SCAN_RETRY_BASE_SECONDS"],
    )
    return status.value


def recover_stalled_jobs(app: Flask) -> None:
    """Return RUNNING jobs whose lease expired to PENDING (or FAILED past the limit)."""
    with app.app_context():
        try:
            recovered = recover_expired_jobs(db.session, app.config["EMAIL_SCAN_MAX_ATTEMPTS"],
                                             app.config["EMAIL_SCAN_RETRY_BASE_SECONDS"])
        finally:
            db.session.remove()
    for job_id, status in recovered:
        logger.warning("job_id=%s lease expired; recovered to %s", job_id, status)


def process_pending_email_scans(app: Flask | None = None, pool: ScanPool | None = None) -> int:
    """One scheduler tick: claim pending email scans into free slots and run them.

    With the scheduler's long-lived `pool`, scans run in the background; without one, this
    call runs one pool's worth of jobs (EMAIL_SCAN_CONCURRENCY) and waits for them."""
    app = app or _scheduler_app()
    if pool is not None:
        return pool.poll()
    once = ScanPool(app, app.config["EMAIL_SCAN_CONCURRENCY"], refill=False)
    try:
        return once.poll()
    finally:
        once.shutdown(grace_seconds=None)


def _scheduler_app() -> Flask:
    try:
        return current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return scheduler.app


def register_email_scan_job(app: Flask, pool: ScanPool | None = None) -> None:
    """Add the polling job to the (not yet started) scheduler."""
    interval_seconds = app.config["EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES"] * 60
    scheduler.add_job(
        id=SCHEDULER_JOB_ID,
        func=process_pending_email_scans,
        kwargs={"app": app, "pool": pool},
        trigger="interval",
        seconds=interval_seconds,
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        misfire_grace_time=max(1, int(interval_seconds)),
    )
    logger.info("email scan scheduler every %.1f s", interval_seconds)
