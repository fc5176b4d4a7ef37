"""Queue scans: the one path shared by the API, the dashboard form and the CLI."""

from __future__ import annotations

import logging

from flask import current_app, g, request

from scrapersky.extensions import db
from scrapersky.models import TaskStatus
from scrapersky.models.job import Job, count_pending_jobs, submit_scan
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


class PendingLimitError(Exception):
    """The user has as many PENDING jobs as SCRAPERSKY_MAX_PENDING_PER_USER allows (429)."""

    def __init__(self, user_id: str, pending: int, limit: int, requested: int) -> None:
        adding = "one more site" if requested == 1 else f"{requested} more sites"
        super().__init__(f"{user_id} has {pending} queued scans and may have at most {limit} "
                         f"waiting; {adding} would pass that. Retry when some have run, or "
                         "cancel some.")
        self.details = {"pending": [pending], "limit": [limit], "requested": [requested]}


def check_pending_limit(user_id: str, requested: int) -> None:
    """Raise PendingLimitError when `requested` more jobs would take the user past the cap.
    (A few concurrent submits may pass it together: the cap bounds a flood, not a count.)"""
    limit = current_app.config["SCRAPERSKY_MAX_PENDING_PER_USER"]
    if not limit:
        return
    pending = count_pending_jobs(db.session, user_id, limit)
    if pending + requested > limit:
        raise PendingLimitError(user_id, pending, limit, requested)


def submit_site(site: Site, user_id: str) -> tuple[Job, bool]:
    """Record a PENDING job for a site (or return its active one), within the user's cap on
    pending jobs; never starts a scan."""
    check_pending_limit(user_id, 1)
    return queue_site(site, user_id)


def queue_site(site: Site, user_id: str) -> tuple[Job, bool]:
    """Record a PENDING job for a site (or return its active one), the cap already checked."""
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
    check_pending_limit(user_id, 1)
    new_job, deduplicated = submit_scan(db.session, job.domain.host, job.start_url, user_id)
    logger.info("job_id=%s retried as job_id=%s", job.job_id, new_job.job_id)
    return new_job, deduplicated
