"""Same-site, contact-first crawling: a frontier, robots.txt, budgets and a small thread pool."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from scrapersky.scraping.crawl_model import (
    CrawledPage,
    CrawlLimits,
    CrawlStats,
    PageAnalyser,
    StartPageError,
)
from scrapersky.scraping.emails import Finding, Link
from scrapersky.scraping.fetching import DEADLINE_PER_TIMEOUT, FetchError, FetchResult, fetch
from scrapersky.scraping.frontier import CrawlTask, Frontier
from scrapersky.scraping.robots import RobotsRules, Throttle, is_challenge_page, load_robots
from scrapersky.scraping.sitemaps import (
    MAX_SITEMAP_REDIRECTS,
    SITEMAP_TIME_SHARE,
    read_sitemaps,
    sitemap_text,
)
from scrapersky.scraping.urls import CONTACT_SCORE, canonicalise_url, is_same_site
from scrapersky.sites import site_host

__all__ = ["CrawlLimits", "CrawlStats", "CrawledPage", "PageAnalyser", "SiteCrawler",
           "StartPageError"]

logger = logging.getLogger(__name__)

# Probed only when neither links nor sitemaps point at a contact page; a 404 is not reported.
WELL_KNOWN_PROBES = ("/contact", "/impressum")
MISSING_STATUSES = frozenset({404, 410})
MAX_LINKS_PER_PAGE = 2_000
MAX_RETRY_AFTER_SECONDS = 5.0
BACKOFF_SECONDS = 1.0
MAX_RETRIES = 1
MAX_BLOCKED_STREAK = 5
RETRY_STATUSES = frozenset({429, 503})
BLOCKED_STATUSES = frozenset({403, 429})


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
    """Crawl one site from its start URL, contact-like pages first, within CrawlLimits.

    Pages are parsed by `analyser` (the extractor's analyse_html, given by the caller)."""

    def __init__(self, session: requests.Session, start_url: str, limits: CrawlLimits, *,
                 user_agent: str, analyser: PageAnalyser) -> None:
        self.session = session
        self.limits = limits
        self.user_agent = user_agent
        self.analyser = analyser
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
        self._sitemap_deadline = 0.0
        self._should_stop: Callable[[], bool] = lambda: False
        self._requests_lock = threading.Lock()

    def crawl(self, should_stop: Callable[[], bool] = lambda: False) -> Iterator[CrawledPage]:
        """Yield every fetched page; raise StartPageError first if the start page fails."""
        self._deadline = time.monotonic() + self.limits.wall_time_seconds
        self._should_stop = should_stop
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
        self._seed_from_sitemaps()
        if not self._frontier.has_contact_lead():
            self._queue_probes()
        return page

    def _load_robots(self) -> None:
        self._robots, bytes_read = load_robots(self._fetch_text, self.start_url, self.user_agent)
        self.stats.bytes_read += bytes_read
        self._throttle = Throttle(self._robots.crawl_delay_seconds(self.user_agent))

    def _check_start_page(self, outcome: _Outcome) -> None:
        if outcome.error is not None:
            raise StartPageError(outcome.error.reason, str(outcome.error),
                                 detail=outcome.error.detail) from outcome.error
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
        """Merge the sitemaps' URLs into the frontier, within a share of the wall time."""
        self._sitemap_deadline = min(
            self._deadline, time.monotonic() + SITEMAP_TIME_SHARE * self.limits.wall_time_seconds)
        for url in read_sitemaps(self._robots.sitemaps, self._frontier.site_url,
                                 self._fetch_sitemap, self._may_read_sitemap,
                                 self._sitemap_deadline):
            self._frontier.add_link(url, 1)

    def _queue_probes(self) -> None:
        for path in WELL_KNOWN_PROBES:
            url = canonicalise_url(urljoin(self._frontier.site_url, path))
            if url and not self._frontier.is_seen(url):
                self._frontier.mark_seen(url)
                self._frontier.push(CrawlTask(url, 1, is_probe=True, score=CONTACT_SCORE - 1))

    def _may_read_sitemap(self, url: str) -> bool:
        """Tell whether a sitemap URL is on this site, allowed by robots.txt and in budget."""
        return (is_same_site(self._frontier.site_url, url,
                             include_subdomains=self.limits.include_subdomains)
                and self._is_allowed(url) and self._has_budget()
                and self._attempts < self.limits.max_pages and not self._should_stop())

    def _fetch_sitemap(self, url: str, max_bytes: int) -> tuple[int, int, str | None]:
        """Fetch one sitemap: (status, bytes read, text); a gzipped one is gunzipped with a
        bound. It ends with the sitemaps' share of the wall time."""
        if not self._throttle.wait_turn(self._sitemap_deadline):  # Crawl-delay holds here too
            raise FetchError("timeout", "time for sitemaps used up")
        result = self._fetch(url, max_bytes, accept_binary=True, deadline=self._sitemap_deadline,
                             max_redirects=MAX_SITEMAP_REDIRECTS)
        self.stats.bytes_read += result.bytes_read
        return result.status_code, result.bytes_read, sitemap_text(result.body or b"")

    def _has_budget(self) -> bool:
        return (time.monotonic() < self._deadline
                and self.stats.bytes_read < self.limits.max_total_bytes
                and self._blocked_streak < MAX_BLOCKED_STREAK)

    def _submit_ready(self, pool: ThreadPoolExecutor, running: dict, workers: int) -> None:
        while len(running) < workers and self._attempts < self.limits.max_pages \
                and self._has_budget():
            task = self._frontier.pop_allowed(self._is_allowed, self._deadline)
            if task is None:
                return
            self._attempts += 1
            running[pool.submit(self._fetch_page, task)] = task

    def _is_allowed(self, url: str) -> bool:
        return self._robots.can_fetch(url, self.user_agent)

    def _fetch(self, url: str, max_bytes: int, *, deadline: float | None = None,
               **options: Any) -> FetchResult:
        """Fetch within the request timeout, the remaining wall time (or the given deadline)
        and the byte budget; redirects only where robots.txt allows."""
        timeout, deadline, max_bytes = self._next_request(
            max_bytes, self._deadline if deadline is None else deadline)
        return fetch(self.session, url, timeout_seconds=timeout,
                     deadline_seconds=deadline - time.monotonic(), max_bytes=max_bytes,
                     is_allowed=self._is_allowed, **options)

    def _fetch_text(self, url: str, max_bytes: int) -> FetchResult:
        return self._fetch(url, max_bytes, accept_text=True)

    def _next_request(self, max_bytes: int, deadline: float) -> tuple[float, float, int]:
        """Count a request; return its timeout, deadline and byte cap within the budgets."""
        with self._requests_lock:
            self.stats.requests += 1
        timeout = self.limits.request_timeout_seconds
        deadline = min(time.monotonic() + DEADLINE_PER_TIMEOUT * timeout, deadline)
        return timeout, deadline, max(1, min(max_bytes,
                                             self.limits.max_total_bytes - self.stats.bytes_read))

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
                analysis = self.analyser(result.text, result.final_url, self._site_host)
            except Exception:  # a hostile page must not end the scan
                logger.exception("could not parse %s", result.final_url)
                outcome.parse_failed = True
            else:
                outcome.findings, outcome.links = analysis.findings, analysis.links
        return outcome

    def _finish(self, task: CrawlTask, outcome: _Outcome) -> CrawledPage | None:
        """Account for a fetched page in the caller's thread and queue its links."""
        if outcome.error is not None:
            return self._failed(task, outcome.error)
        result = outcome.result
        self.stats.bytes_read += result.bytes_read
        if result.status_code in RETRY_STATUSES and task.retries < MAX_RETRIES:
            self._throttle.pause(self._retry_delay(result, task.retries))
            retry = CrawlTask(task.url, task.depth, task.retries + 1, task.is_probe, task.score)
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
        self._frontier.add_links(task, result.final_url, outcome.links[:MAX_LINKS_PER_PAGE])
        return CrawledPage(task.url, result.final_url, result.status_code, task.depth, error,
                           outcome.findings)

    def _failed(self, task: CrawlTask, error: FetchError) -> CrawledPage | None:
        """Account for a page that could not be fetched; a redirect into a path robots.txt
        disallows was not followed, so that page is skipped, not failed."""
        if error.reason == "robots":
            self.stats.skipped += 1
            return None
        self.stats.failed += 1
        return CrawledPage(task.url, task.url, None, task.depth, str(error), [])

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
