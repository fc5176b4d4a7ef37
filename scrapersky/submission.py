"""Queue scans: the one path shared by the API, the dashboard form and the CLI."""

from __future__ import annotations

import logging

from flask import request

from scrapersky.extensions import db
from scrapersky.models.job import Job, submit_scan
from scrapersky.sites import Site

logger = logging.getLogger(__name__)
ANONYMOUS = "anonymous"


def current_user_id() -> str:
    """Return who is asking; everyone is anonymous until access control exists."""
    return request.headers.get("X-ScraperSky-User", ANONYMOUS)[:120] or ANONYMOUS


def submit_site(site: Site, user_id: str) -> tuple[Job, bool]:
    """Record a PENDING job for a site (or return its active one); never starts a scan."""
    job, deduplicated = submit_scan(db.session, site.key, site.start_url, user_id)
    logger.info(
        "job_id=%s %s scan of %s for %s", job.job_id,
        "returned active" if deduplicated else "queued", site.key, user_id,
    )
    return job, deduplicated
