"""The scan: crawl one site, extract its addresses, store pages and contacts, finish the job."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapersky.extensions import db
from scrapersky.models import Contact, Domain, Page, TaskStatus
from scrapersky.models.clock import utcnow
from scrapersky.models.job import Job, finish_job, record_progress
from scrapersky.scraping.crawling import CrawledPage, CrawlLimits, SiteCrawler, StartPageError
from scrapersky.scraping.fetching import build_session

logger = logging.getLogger(__name__)


def scan_website_for_emails(job_id: str, user_id: str | None) -> str:
    """Run the scan of a RUNNING job in its own session; return the status it ended in."""
    config = current_app.config
    with Session(db.engine, expire_on_commit=False) as session:
        job = session.scalars(select(Job).where(Job.job_id == job_id)).first()
        if job is None:
            raise LookupError(f"job {job_id} does not exist")
        if job.status != TaskStatus.RUNNING.value:
            logger.warning("job_id=%s is %s, not RUNNING; not scanning", job_id, job.status)
            return job.status
        logger.info("job_id=%s scanning %s for %s", job_id, job.start_url, user_id)
        return SiteScan(session, job, config).run()


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
    )


@dataclass
class SiteScan:
    """One run of one job: the crawl loop and what it has stored so far."""

    session: Session
    job: Job
    config: Any
    emails: set[str] = field(default_factory=set)
    pages_scanned: int = 0
    pages_failed: int = 0
    stopped: bool = False

    def run(self) -> str:
        """Crawl the job's site, store what it finds and finish the job."""
        limits = crawl_limits(self.config)
        user_agent = self.config["EMAIL_SCAN_USER_AGENT"]
        http = build_session(
            user_agent=user_agent,
            allow_private_networks=self.config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"],
            pool_maxsize=limits.per_host_concurrency,
        )
        crawler = SiteCrawler(http, self.job.start_url, limits, user_agent=user_agent)
        try:
            for page in crawler.crawl(should_stop=lambda: self.stopped):
                self.store_page(page)
                self.report_progress(limits.max_pages, crawler)
        except StartPageError as exc:
            return self.finish(TaskStatus.FAILED, f"start page failed: {exc}")
        finally:
            http.close()
        if self.stopped:
            logger.warning("job_id=%s stopped: no longer RUNNING", self.job.job_id)
            return TaskStatus.CANCELLED.value
        return self.finish(TaskStatus.COMPLETE, None)

    def result(self) -> dict[str, Any]:
        """Return the job's result_data as it stands."""
        return {
            "emails": sorted(self.emails),
            "pages_scanned": self.pages_scanned,
            "pages_failed": self.pages_failed,
            "contacts_found": len(self.emails),
        }

    def report_progress(self, max_pages: int, crawler: SiteCrawler) -> None:
        """Write progress and heartbeat; stop when the job was taken away from us."""
        result = self.result()
        result["crawl"] = vars(crawler.stats).copy()
        if not record_progress(self.session, self.job.id, self.pages_scanned / max_pages, result):
            self.stopped = True

    def store_page(self, crawled: CrawledPage) -> None:
        """Upsert the page and its contacts in one short transaction."""
        self.pages_scanned += 1
        self.pages_failed += crawled.error is not None
        try:
            page = upsert_page(self.session, self.job, crawled)
            for finding in crawled.findings:
                upsert_contact(self.session, self.job, page, crawled.final_url, finding)
                self.emails.add(finding.email)
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    def finish(self, status: TaskStatus, error: str | None) -> str:
        """Finish the job (only if still RUNNING) and stamp the domain."""
        if finish_job(self.session, self.job.id, status, error=error, result=self.result()):
            domain = self.session.get(Domain, self.job.domain_id)
            if domain is not None:
                domain.last_scanned_at = utcnow()
                self.session.commit()
        log = logger.info if status is TaskStatus.COMPLETE else logger.warning
        log("job_id=%s finished %s: %d pages, %d addresses%s", self.job.job_id, status.value,
            self.pages_scanned, len(self.emails), f" ({error})" if error else "")
        return status.value


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


def upsert_contact(session: Session, job: Job, page: Page, url: str, finding: Any) -> None:
    """Insert a new contact, or mark a known one seen again by this job."""
    contact = session.scalars(
        select(Contact).where(Contact.domain_id == job.domain_id, Contact.email == finding.email)
    ).first()
    now = utcnow()
    if contact is None:
        contact = Contact(domain_id=job.domain_id, email=finding.email, first_seen_at=now)
        session.add(contact)
    elif contact.source_job_id == job.id:
        return  # already recorded by this scan on an earlier page; keep that provenance
    contact.email_type = finding.email_type
    contact.method = finding.method
    contact.context = finding.context
    contact.source_url = url
    contact.source_page_id = page.id
    contact.source_job_id = job.id
    contact.last_seen_at = now
    session.flush()
