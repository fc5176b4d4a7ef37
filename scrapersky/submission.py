"""Queue scans: the one path shared by the API, the dashboard form and the CLI."""

from __future__ import annotations

import logging

from flask import current_app, g, request

from scrapersky.extensions import db
from scrapersky.models import TaskStatus
from scrapersky.models.job import Job, submit_scan
from scrapersky.models.job_states import cancel_job
from scrapersky.reports import get_job
from scrapersky.sites import Site

logger = logging.getLogger(__name__)
ANONYMOUS = "anonymous"


def current_user_id() -> str:
    """Return who is asking: the authenticated token's name; without access control, the
    X-ScraperSky-User header (a label, not a proof) or anonymous."""
    user = g.get("user")
    if user:
        return user
    if current_app.extensions.get("scrapersky_api_tokens"):
        return ANONYMOUS  # access control on: an unauthenticated label is not trusted
    return request.headers.get("X-ScraperSky-User", ANONYMOUS)[:120] or ANONYMOUS


def submit_site(site: Site, user_id: str) -> tuple[Job, bool]:
    """Record a PENDING job for a site (or return its active one); never starts a scan."""
    job, deduplicated = submit_scan(db.session, site.key, site.start_url, user_id)
    logger.info(
        "job_id=%s %s scan of %s for %s", job.job_id,
        "returned active" if deduplicated else "queued", site.key, user_id,
    )
    return job, deduplicated


class JobStateError(Exception):
    """The job is not in a state that allows the request (answered 409)."""


def cancel_scan(job_id: str) -> Job:
    """Cancel a queued or running scan; a running one stops at its next page, keeping
    what it found."""
    job = get_job(db.session, job_id)
    if not cancel_job(db.session, job.id):
        db.session.refresh(job)
        raise JobStateError(f"job is {job.status}; only PENDING or RUNNING jobs can be cancelled")
    db.session.refresh(job)
    logger.info("job_id=%s cancelled", job.job_id)
    return job


def retry_scan(job_id: str, user_id: str) -> tuple[Job, bool]:
    """Queue a fresh scan of a FAILED or CANCELLED job's site (or return its active job)."""
    job = get_job(db.session, job_id)
    if job.status not in (TaskStatus.FAILED.value, TaskStatus.CANCELLED.value):
        raise JobStateError(f"job is {job.status}; only FAILED or CANCELLED jobs can be retried")
    new_job, deduplicated = submit_scan(db.session, job.domain.host, job.start_url, user_id)
    logger.info("job_id=%s retried as job_id=%s", job.job_id, new_job.job_id)
    return new_job, deduplicated
