"""What a crawl is given and gives back: budgets, fetched pages, counters, start-page errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapersky.scraping.emails import Finding, PageAnalysis

# The extractor the crawler is given: (html, page URL, site host) -> findings and links.
PageAnalyser = Callable[[str, str, str | None], PageAnalysis]


@dataclass
class CrawlLimits:
    """Budgets for one site crawl."""

    max_pages: int = 60
    max_depth: int = 6
    request_timeout_seconds: float = 10
    max_page_bytes: int = 2_000_000
    max_total_bytes: int = 20_000_000
    wall_time_seconds: float = 120
    per_host_concurrency: int = 2
    include_subdomains: bool = False


@dataclass
class CrawledPage:
    """One fetched page: where it ended up, how deep it was, what failed and what it holds."""

    url: str
    final_url: str
    status_code: int | None
    depth: int
    error: str | None
    findings: list[Finding]


@dataclass
class CrawlStats:
    """Live progress: usable pages, URLs waiting, URLs skipped, failed pages, bytes, requests."""

    fetched: int = 0
    queued: int = 0
    skipped: int = 0
    failed: int = 0
    bytes_read: int = 0
    requests: int = 0


class StartPageError(Exception):
    """The start page could not be used: str() says why (shown to users, so never a resolved
    address or port), .reason is a short code, .detail the full story for the log."""

    def __init__(self, reason: str, message: str, status_code: int | None = None, *,
                 detail: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code
        self.detail = detail or message
