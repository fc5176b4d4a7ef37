"""Poll for PENDING email scans, claim each optimistically, run it, record failures."""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import select

from scrapersky.extensions import db, scheduler
from scrapersky.models import Job, TaskStatus
from scrapersky.models.job import (
    claim_job,
    finish_job,
    recover_expired_jobs,
    select_pending_job_ids,
)
from scrapersky.tasks.email_scraper import scan_website_for_emails

logger = logging.getLogger(__name__)
SCHEDULER_JOB_ID = "process_pending_email_scans"


def worker_id() -> str:
    """Return who is claiming: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def process_pending_email_scans(app: Flask | None = None) -> int:
    """Claim and run pending email scans, oldest first; return how many this call ran."""
    app = app or _scheduler_app()
    with app.app_context():
        recover_stalled_jobs(app)
        batch = select_pending_job_ids(db.session, app.config["EMAIL_SCAN_SCHEDULER_BATCH_SIZE"])
        db.session.remove()
        logger.info("found %d pending email scan job(s)", len(batch))
        if not batch:
            return 0
        workers = min(app.config["EMAIL_SCAN_CONCURRENCY"], len(batch))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="email-scan") as pool:
            ran = list(pool.map(lambda job_pk: claim_and_run(app, job_pk), batch))
        return sum(ran)


def claim_and_run(app: Flask, job_pk: int) -> bool:
    """Claim one job in its own app context and session and run it; False if another won."""
    with app.app_context():
        try:
            if not claim_job(db.session, job_pk, worker_id()):
                logger.info("job pk=%d already claimed elsewhere; skipping", job_pk)
                return False
            job_id, user_id = db.session.execute(
                select(Job.job_id, Job.created_by).where(Job.id == job_pk)
            ).one()
        finally:
            db.session.remove()
        logger.info("job_id=%s claimed by %s", job_id, worker_id())
        run_job(job_pk, job_id, user_id)
        return True


def run_job(job_pk: int, job_id: str, user_id: str | None) -> None:
    """Run the scan; if it raises, mark the job FAILED with the error and log it."""
    logger.info("job_id=%s running", job_id)
    try:
        status = scan_website_for_emails(job_id, user_id)
    except Exception as exc:
        logger.exception("job_id=%s raised; marking FAILED", job_id)
        try:
            finish_job(db.session, job_pk, TaskStatus.FAILED, error=f"scan error: {exc}",
                       result=None)
        finally:
            db.session.remove()
        status = TaskStatus.FAILED.value
    logger.info("job_id=%s finished with status %s", job_id, status)


def recover_stalled_jobs(app: Flask) -> None:
    """Return RUNNING jobs whose runner went silent to PENDING (or FAILED past the limit)."""
    try:
        recovered = recover_expired_jobs(
            db.session, app.config["EMAIL_SCAN_JOB_LEASE_SECONDS"],
            app.config["EMAIL_SCAN_MAX_ATTEMPTS"],
        )
    finally:
        db.session.remove()
    for job_id in recovered:
        logger.warning("job_id=%s lease expired; recovered", job_id)


def _scheduler_app() -> Flask:
    try:
        return current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return scheduler.app


def register_email_scan_job(app: Flask) -> None:
    """Add the polling job to the (not yet started) scheduler."""
    interval_seconds = app.config["EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES"] * 60
    scheduler.add_job(
        id=SCHEDULER_JOB_ID,
        func=process_pending_email_scans,
        kwargs={"app": app},
        trigger="interval",
        seconds=interval_seconds,
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        misfire_grace_time=max(1, int(interval_seconds)),
    )
    logger.info("email scan scheduler every %.1f s", interval_seconds)
