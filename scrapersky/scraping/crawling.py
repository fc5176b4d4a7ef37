"""Same-site, contact-first crawling: a frontier, robots.txt, budgets and a small thread pool."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from scrapersky.scraping.crawl_model import CrawledPage, CrawlLimits, CrawlStats, StartPageError
from scrapersky.scraping.emails import Finding, Link, analyse_html
from scrapersky.scraping.fetching import DEADLINE_PER_TIMEOUT, FetchError, FetchResult, fetch
from scrapersky.scraping.frontier import CrawlTask, Frontier
from scrapersky.scraping.robots import (
    MAX_ROBOTS_BYTES,
    RobotsRules,
    Throttle,
    collect_sitemap_urls,
    is_challenge_page,
    parse_robots,
)
from scrapersky.scraping.urls import CONTACT_SCORE, canonicalise_url, contact_score, is_same_site
from scrapersky.sites import site_host

__all__ = ["CrawlLimits", "CrawlStats", "CrawledPage", "SiteCrawler", "StartPageError"]

logger = logging.getLogger(__name__)

# Probed only when neither links nor sitemaps point at a contact page; a 404 is not reported.
WELL_KNOWN_PROBES = ("/contact", "/impressum")
MISSING_STATUSES = frozenset({404, 410})
MAX_LINKS_PER_PAGE = 2_000
MAX_SITEMAP_BYTES = 5_000_000
MAX_SITEMAP_SEEDS = 50
MAX_RETRY_AFTER_SECONDS = 5.0
BACKOFF_SECONDS = 1.0
MAX_RETRIES = 1
MAX_BLOCKED_STREAK = 5
RETRY_STATUSES = frozenset({429, 503})
BLOCKED_STATUSES = frozenset({403, 429})
# Failures that make the whole host unreachable: robots.txt failing this way ends the scan.
UNREACHABLE_REASONS = frozenset({"dns", "refused", "address_not_allowed", "timeout"})


@dataclass
class _Outcome:
    result: FetchResult | None = None
    error: FetchError | None = None
    findings: list[Finding] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    parse_failed: bool = False


def _page_error(result: FetchResult, parse_failed: bool) -> str | None:
    if result.status_code >= 400:
        return f"HTTP {result.status_code}"
    if not result.is_html or result.text is None:
        return f"not HTML ({result.content_type or 'unknown content type'})"
    if parse_failed:
        return "HTML could not be parsed"
    return None


class SiteCrawler:
    """Crawl one site from its start URL, contact-like pages first, within CrawlLimits."""

    def __init__(self, session: requests.Session, start_url: str, limits: CrawlLimits, *,
                 user_agent: str) -> None:
        self.session = session
        self.limits = limits
        self.user_agent = user_agent
        self.start_url = canonicalise_url(start_url) or start_url
        self.stats = CrawlStats()
        self.start_final_url: str | None = None
        self._site_host = site_host(urlsplit(self.start_url).hostname or "")
        self._frontier = Frontier(self.start_url, self.stats, max_depth=limits.max_depth,
                                  include_subdomains=limits.include_subdomains)
        self._robots = RobotsRules()
        self._throttle = Throttle(0.0)
        self._attempts = 0
        self._blocked_streak = 0
        self._deadline = 0.0
        self._requests_lock = threading.Lock()

    def crawl(self, should_stop: Callable[[], bool] = lambda: False) -> Iterator[CrawledPage]:
        """Yield every fetched page; raise StartPageError first if the start page fails."""
        self._deadline = time.monotonic() + self.limits.wall_time_seconds
        yield self._crawl_start_page()
        workers = 1 if self._throttle.delay_seconds else max(1, self.limits.per_host_concurrency)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawler") as pool:
            running: dict[Future[_Outcome], CrawlTask] = {}
            while True:
                if not should_stop():
                    self._submit_ready(pool, running, workers)
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    page = self._finish(running.pop(future), future.result())
                    if page is not None:
                        yield page

    def _crawl_start_page(self) -> CrawledPage:
        self._load_robots()
        self._frontier.mark_seen(self.start_url)
        task = CrawlTask(self.start_url, 0)
        outcome = self._fetch_page(task)
        self._attempts += 1
        if outcome.result and outcome.result.status_code in RETRY_STATUSES:
            remaining = self._deadline - time.monotonic()
            time.sleep(max(0.0, min(self._retry_delay(outcome.result, 0), remaining)))
            outcome = self._fetch_page(task)
            self._attempts += 1
        self._check_start_page(outcome)
        self.start_final_url = outcome.result.final_url
        site_url = canonicalise_url(outcome.result.final_url) or self._frontier.site_url
        self._frontier.site_url = site_url
        self._frontier.mark_seen(site_url)
        page = self._finish(task, outcome)
        if not self._frontier.has_contact_lead():
            self._seed_from_sitemaps()
        if not self._frontier.has_contact_lead():
            self._queue_probes()
        return page

    def _load_robots(self) -> None:
        robots_url = urljoin(self.start_url, "/robots.txt")
        try:
            result = self._fetch(robots_url, MAX_ROBOTS_BYTES, accept_text=True)
        except FetchError as exc:
            if exc.reason in UNREACHABLE_REASONS:
                raise StartPageError(exc.reason, str(exc)) from exc
            logger.info("robots.txt of %s not read, treated as missing: %s", self._site_host, exc)
            return
        self.stats.bytes_read += result.bytes_read
        self._robots = parse_robots(result.status_code, result.text, robots_url)
        if self._robots.disallow_all:
            raise StartPageError("robots", f"robots.txt of {self._site_host} could not be read "
                                 f"(HTTP {result.status_code}), so crawling is not allowed")
        if not self._robots.can_fetch(self.start_url, self.user_agent):
            raise StartPageError("robots", f"robots.txt of {self._site_host} disallows "
                                 f"crawling the start page {self.start_url}")
        self._throttle = Throttle(self._robots.crawl_delay_seconds(self.user_agent))

    def _check_start_page(self, outcome: _Outcome) -> None:
        if outcome.error is not None:
            raise StartPageError(outcome.error.reason, str(outcome.error)) from outcome.error
        result = outcome.result
        status = result.status_code
        if status in BLOCKED_STATUSES or is_challenge_page(result):
            raise StartPageError("blocked", f"the site blocks automated access (HTTP {status} "
                                 f"on the start page {result.final_url})", status)
        if status >= 400:
            raise StartPageError("http_error", f"start page {result.final_url} returned "
                                 f"HTTP {status}", status)
        if not result.is_html or result.text is None:
            content_type = result.content_type or "unknown"
            raise StartPageError("not_html", f"start page {result.final_url} is not HTML "
                                 f"(content type {content_type})")
        if outcome.parse_failed:
            raise StartPageError("unparseable", f"start page {result.final_url} could not "
                                 "be parsed as HTML")

    def _seed_from_sitemaps(self) -> None:
        roots = self._robots.sitemaps or [urljoin(self._frontier.site_url, "/sitemap.xml")]
        urls = collect_sitemap_urls(self._fetch_sitemap, roots)
        ranked = sorted(urls, key=contact_score, reverse=True)
        for url in ranked[:MAX_SITEMAP_SEEDS]:
            self._frontier.add_link(url, 1)

    def _queue_probes(self) -> None:
        for path in WELL_KNOWN_PROBES:
            url = canonicalise_url(urljoin(self._frontier.site_url, path))
            if url and not self._frontier.is_seen(url):
                self._frontier.mark_seen(url)
                self._frontier.push(CrawlTask(url, 1, is_probe=True), CONTACT_SCORE - 1)

    def _fetch_sitemap(self, url: str) -> str | None:
        same_site = is_same_site(self._frontier.site_url, url, include_subdomains=True)
        if not same_site or not self._has_budget() or self._attempts >= self.limits.max_pages:
            return None
        try:
            result = self._fetch(url, MAX_SITEMAP_BYTES, accept_text=True)
        except FetchError as exc:
            logger.info("sitemap %s not fetched: %s", url, exc)
            return None
        self.stats.bytes_read += result.bytes_read
        return result.text if result.status_code == 200 else None

    def _has_budget(self) -> bool:
        return (time.monotonic() < self._deadline
                and self.stats.bytes_read < self.limits.max_total_bytes
                and self._blocked_streak < MAX_BLOCKED_STREAK)

    def _submit_ready(self, pool: ThreadPoolExecutor, running: dict, workers: int) -> None:
        while len(running) < workers and self._attempts < self.limits.max_pages \
                and self._has_budget():
            task = self._frontier.pop_allowed(self._is_allowed)
            if task is None:
                return
            self._attempts += 1
            running[pool.submit(self._fetch_page, task)] = task

    def _is_allowed(self, url: str) -> bool:
        return self._robots.can_fetch(url, self.user_agent)

    def _fetch(self, url: str, max_bytes: int, *, accept_text: bool = False) -> FetchResult:
        """Fetch within the request timeout, the remaining wall time and the byte budget."""
        with self._requests_lock:
            self.stats.requests += 1
        timeout = self.limits.request_timeout_seconds
        remaining_bytes = self.limits.max_total_bytes - self.stats.bytes_read
        deadline = min(DEADLINE_PER_TIMEOUT * timeout, self._deadline - time.monotonic())
        return fetch(self.session, url, timeout_seconds=timeout, deadline_seconds=deadline,
                     max_bytes=max(1, min(max_bytes, remaining_bytes)), accept_text=accept_text)

    def _fetch_page(self, task: CrawlTask) -> _Outcome:
        """Fetch and parse one page (runs in a worker thread)."""
        if not self._throttle.wait_turn(self._deadline):
            return _Outcome(error=FetchError("timeout", "crawl wall time used up"))
        try:
            result = self._fetch(task.url, self.limits.max_page_bytes)
        except FetchError as exc:
            return _Outcome(error=exc)
        outcome = _Outcome(result=result)
        if result.is_html and result.text is not None and result.status_code < 300:
            try:
                analysis = analyse_html(result.text, result.final_url, self._site_host)
            except Exception:  # a hostile page must not end the scan
                logger.exception("could not parse %s", result.final_url)
                outcome.parse_failed = True
            else:
                outcome.findings, outcome.links = analysis.findings, analysis.links
        return outcome

    def _finish(self, task: CrawlTask, outcome: _Outcome) -> CrawledPage | None:
        """Account for a fetched page in the caller's thread and queue its links."""
        if outcome.error is not None:
            self.stats.failed += 1
            return CrawledPage(task.url, task.url, None, task.depth, str(outcome.error), [])
        result = outcome.result
        self.stats.bytes_read += result.bytes_read
        if result.status_code in RETRY_STATUSES and task.retries < MAX_RETRIES:
            self._throttle.pause(self._retry_delay(result, task.retries))
            retry = CrawlTask(task.url, task.depth, task.retries + 1, task.is_probe)
            self._frontier.push(retry, CONTACT_SCORE * 2)
            return None
        if task.is_probe and result.status_code in MISSING_STATUSES:
            self.stats.skipped += 1
            return None
        is_blocked = result.status_code in BLOCKED_STATUSES
        self._blocked_streak = self._blocked_streak + 1 if is_blocked else 0
        self._frontier.mark_seen(canonicalise_url(result.final_url) or result.final_url)
        error = _page_error(result, outcome.parse_failed)
        self._count_page(result, error)
        for link in outcome.links[:MAX_LINKS_PER_PAGE]:
            self._frontier.add_link(link.url, task.depth + 1, link.text)
        return CrawledPage(task.url, result.final_url, result.status_code, task.depth, error,
                           outcome.findings)

    def _count_page(self, result: FetchResult, error: str | None) -> None:
        if error is None:
            self.stats.fetched += 1
        elif result.status_code < 400 and not result.is_html:
            self.stats.skipped += 1
        else:
            self.stats.failed += 1

    def _retry_delay(self, result: FetchResult, retries: int) -> float:
        delay = result.retry_after_seconds
        if delay is None:
            delay = BACKOFF_SECONDS * 2**retries
        return min(delay, MAX_RETRY_AFTER_SECONDS)
