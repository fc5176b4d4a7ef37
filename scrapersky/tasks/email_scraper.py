"""The scan: crawl one site, extract its addresses, store pages and contacts, finish the job."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scrapersky.extensions import db
from scrapersky.models import Contact, Domain, Page, TaskStatus
from scrapersky.models.clock import utcnow
from scrapersky.models.job import Job
from scrapersky.models.job_states import (
    Claim,
    fail_or_retry,
    finish_job,
    heartbeat,
    release_job,
)
from scrapersky.models.retry import is_transient
from scrapersky.scraping.crawling import CrawledPage, CrawlLimits, SiteCrawler, StartPageError
from scrapersky.scraping.emails import analyse_html
from scrapersky.scraping.fetching import build_session
from scrapersky.sites import allowed_scan_ports

logger = logging.getLogger(__name__)


def scan_website_for_emails(
    job_id: str,
    user_id: str | None,
    *,
    claim: Claim | None = None,
    should_release: Callable[[], bool] | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> str:
    """Run the scan of a RUNNING job in its own session; return the state it ended in.

    `claim` is the scheduler's claim of the job (read from the row when absent);
    `should_release` asks the scan to hand the job back to the queue (shutdown);
    `on_progress` is called with the result so far after every stored page."""
    config = current_app.config
    with Session(db.engine, expire_on_commit=False) as session:
        job = session.scalars(select(Job).where(Job.job_id == job_id)).first()
        if job is None:
            raise LookupError(f"job {job_id} does not exist")
        if job.status != TaskStatus.RUNNING.value or job.claim_token is None:
            logger.warning("job_id=%s is %s, not RUNNING; not scanning", job_id, job.status)
            return job.status
        claim = claim or Claim(job.id, job.job_id, job.created_by, job.claim_token)
        logger.info("job_id=%s scanning %s for %s", job_id, job.start_url, user_id)
        scan = SiteScan(session, job, claim, config, should_release or (lambda: False),
                        on_progress or (lambda _result: None))
        return scan.run()


def crawl_limits(config: Any) -> CrawlLimits:
    """Return the crawl budgets from the app config."""
    return CrawlLimits(
        max_pages=config["EMAIL_SCAN_MAX_PAGES"],
        max_depth=config["EMAIL_SCAN_MAX_DEPTH"],
        request_timeout_seconds=config["EMAIL_SCAN_REQUEST_TIMEOUT_SECONDS"],
        max_page_bytes=config["EMAIL_SCAN_MAX_PAGE_BYTES"],
        max_total_bytes=config["EMAIL_SCAN_MAX_TOTAL_BYTES"],
        wall_time_seconds=config["EMAIL_SCAN_WALL_TIME_SECONDS"],
        per_host_concurrency=config["EMAIL_SCAN_PER_HOST_CONCURRENCY"],
        include_subdomains=config["EMAIL_SCAN_INCLUDE_SUBDOMAINS"],
    )


@dataclass
class SiteScan:
    """One attempt at one job: the crawl loop and what it has stored so far."""

    session: Session
    job: Job
    claim: Claim
    config: Any
    should_release: Callable[[], bool]
    on_progress: Callable[[dict[str, Any]], None]
    emails: set[str] = field(default_factory=set)
    pages_scanned: int = 0
    pages_failed: int = 0
    crawl: dict[str, int] = field(default_factory=dict)
    lost_claim: bool = False

    def should_stop(self) -> bool:
        """Stop between pages when the claim is gone or the process is shutting down."""
        return self.lost_claim or self.should_release()

    def run(self) -> str:
        """Crawl the job's site, store what it finds and end the attempt."""
        limits = crawl_limits(self.config)
        user_agent = self.config["EMAIL_SCAN_USER_AGENT"]
        http = build_session(
            user_agent=user_agent,
            allow_private_networks=self.config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"],
            allowed_ports=allowed_scan_ports(self.config),
            pool_maxsize=limits.per_host_concurrency,
        )
        crawler = SiteCrawler(http, self.job.start_url, limits, user_agent=user_agent,
                              analyser=analyse_html)
        try:
            for page in crawler.crawl(should_stop=self.should_stop):
                self.store_page(page, crawler, limits.max_pages)
                if self.should_stop():
                    break
        except StartPageError as exc:
            return self.fail(exc)
        finally:
            http.close()
        self.crawl = vars(crawler.stats).copy()
        return self.end_attempt()

    def end_attempt(self) -> str:
        """Finish the job COMPLETE, or say why this attempt stopped early."""
        if self.lost_claim:
            status = self.session.scalar(select(Job.status).where(Job.id == self.claim.pk))
            logger.warning("job_id=%s stopped: the job is %s now", self.job.job_id, status)
            return status or TaskStatus.CANCELLED.value
        if self.should_release():
            release_job(self.session, self.claim)
            logger.warning("job_id=%s released to PENDING for shutdown after %d pages",
                           self.job.job_id, self.pages_scanned)
            return TaskStatus.PENDING.value
        # The site's "last scanned" stamp commits with the job's end, and only if it ends.
        stamp = (update(Domain).where(Domain.id == self.job.domain_id)
                 .values(last_scanned_at=utcnow(), last_job_id=self.job.id))
        if not finish_job(self.session, self.claim, TaskStatus.COMPLETE, error=None,
                          result=self.result(), also=[stamp]):
            return self.session.scalar(select(Job.status).where(Job.id == self.claim.pk)) or ""
        logger.info("job_id=%s finished COMPLETE: %d pages, %d addresses", self.job.job_id,
                    self.pages_scanned, len(self.emails))
        return TaskStatus.COMPLETE.value

    def fail(self, exc: StartPageError) -> str:
        """Fail the attempt on an unusable start page; transient causes are retried. The job's
        error (what users read) names the category; the log keeps the detail (addresses)."""
        transient = is_transient(exc.reason, getattr(exc, "status_code", None))
        status = fail_or_retry(
            self.session, self.claim, error=f"start page failed: {exc}", transient=transient,
            max_attempts=self.config["EMAIL_SCAN_MAX_ATTEMPTS"],
            retry_base_seconds=self.config["EMAIL_SCAN_RETRY_BASE_SECONDS"],
        )
        logger.warning("job_id=%s start page failed (%s): %s -> %s", self.claim.job_id,
                       exc.reason, exc.detail, status.value)
        return status.value

    def result(self) -> dict[str, Any]:
        """Return the job's result_data as it stands."""
        return {
            "emails": sorted(self.emails),
            "pages_scanned": self.pages_scanned,
            "pages_failed": self.pages_failed,
            "contacts_found": len(self.emails),
            "crawl": self.crawl,
        }

    def store_page(self, crawled: CrawledPage, crawler: SiteCrawler, max_pages: int) -> None:
        """Store a page, its contacts and the job's heartbeat in one guarded transaction."""
        self.crawl = vars(crawler.stats).copy()
        try:
            # The heartbeat stores the result including this page, so the job row agrees
            # with the contacts committed with it even if the scan stops right after.
            found = self.emails | {finding.email for finding in crawled.findings}
            result = {**self.result(), "emails": sorted(found), "contacts_found": len(found),
                      "pages_scanned": self.pages_scanned + 1,
                      "pages_failed": self.pages_failed + (crawled.error is not None)}
            if not heartbeat(self.session, self.claim, self.config["EMAIL_SCAN_JOB_LEASE_SECONDS"],
                             progress=result["pages_scanned"] / max_pages, result=result):
                self.session.rollback()
                self.lost_claim = True
                return
            page = upsert_page(self.session, self.job, crawled)
            upsert_contacts(self.session, self.job, page, crawled.final_url, crawled.findings)
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        self.pages_scanned += 1
        self.pages_failed += crawled.error is not None
        self.emails.update(finding.email for finding in crawled.findings)
        self.on_progress({**self.result(), "max_pages": max_pages})


def upsert_page(session: Session, job: Job, crawled: CrawledPage) -> Page:
    """Insert or refresh the row of a fetched page."""
    url = crawled.final_url or crawled.url
    page = session.scalars(
        select(Page).where(Page.domain_id == job.domain_id, Page.url == url)
    ).first()
    if page is None:
        page = Page(domain_id=job.domain_id, url=url)
        session.add(page)
    page.status_code = crawled.status_code
    page.error = crawled.error
    page.last_job_id = job.id
    page.last_scanned_at = utcnow()
    session.flush()
    return page


def upsert_contacts(session: Session, job: Job, page: Page, url: str,
                    findings: Sequence[Any]) -> None:
    """Insert new contacts, or mark known ones seen again by this job (one lookup for all)."""
    if not findings:
        return
    known = {contact.email: contact for contact in session.scalars(
        select(Contact).where(Contact.domain_id == job.domain_id,
                              Contact.email.in_(sorted({finding.email for finding in findings}))))}
    now = utcnow()
    for finding in findings:
        contact = known.get(finding.email)
        if contact is None:
            contact = known[finding.email] = Contact(domain_id=job.domain_id, email=finding.email,
                                                     first_seen_at=now)
            session.add(contact)
        elif contact.source_job_id == job.id:
            continue  # already recorded by this scan on an earlier page; keep that provenance
        contact.email_type = finding.email_type
        contact.method = finding.method
        contact.context = finding.context
        contact.source_url = url
        contact.source_page_id = page.id
        contact.source_job_id = job.id
        contact.last_seen_at = now
