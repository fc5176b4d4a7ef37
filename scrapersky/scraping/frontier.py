"""The crawl frontier: same-site canonical URLs, each queued once, contact-like pages first."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapersky.scraping.crawl_model import CrawlStats
from scrapersky.scraping.urls import (
    CONTACT_SCORE,
    canonicalise_url,
    contact_score,
    has_skipped_extension,
    is_same_site,
    path_key,
)

MAX_QUERY_VARIANTS_PER_PATH = 5
MAX_FRONTIER_URLS = 5_000


@dataclass
class CrawlTask:
    """One URL to fetch: its depth, retries so far, and whether it is a guessed probe."""

    url: str
    depth: int
    retries: int = 0
    is_probe: bool = False


class Frontier:
    """A priority queue of URLs on one site: best contact score, then shallowest, first."""

    def __init__(self, site_url: str, stats: CrawlStats, *, max_depth: int,
                 include_subdomains: bool) -> None:
        self.site_url = site_url
        self.max_depth = max_depth
        self.include_subdomains = include_subdomains
        self.stats = stats  # its queued and skipped counters are kept here
        self._heap: list[tuple[int, int, int, CrawlTask]] = []
        self._order = itertools.count()
        self._seen: set[str] = set()
        self._variants: dict[str, int] = {}

    def mark_seen(self, url: str) -> None:
        """Remember a URL as visited, so links to it are not queued."""
        self._seen.add(url)

    def is_seen(self, url: str) -> bool:
        """Tell whether a URL was queued or visited already."""
        return url in self._seen

    def add_link(self, url: str, depth: int, text: str | Callable[[], str] = "") -> None:
        """Queue a link found on a page unless it is off-site, too deep, seen or a trap.
        `text` (the anchor text, or a function giving it) is read only for a new URL."""
        canonical = canonicalise_url(url)
        if depth > self.max_depth or canonical is None or canonical in self._seen:
            return
        if not is_same_site(self.site_url, canonical, include_subdomains=self.include_subdomains):
            return
        self._seen.add(canonical)
        if has_skipped_extension(canonical) or not self._accept_query_variant(canonical) \
                or len(self._heap) >= MAX_FRONTIER_URLS:
            self.stats.skipped += 1
            return
        anchor_text = text() if callable(text) else text
        self.push(CrawlTask(canonical, depth), contact_score(url, anchor_text))

    def push(self, task: CrawlTask, score: int) -> None:
        """Queue a task with a score; higher scores come out first."""
        heapq.heappush(self._heap, (-score, task.depth, next(self._order), task))
        self.stats.queued = len(self._heap)

    def pop_allowed(self, is_allowed: Callable[[str], bool]) -> CrawlTask | None:
        """Return the best task whose URL is allowed; disallowed ones count as skipped."""
        while self._heap:
            task = heapq.heappop(self._heap)[-1]
            self.stats.queued = len(self._heap)
            if is_allowed(task.url):
                return task
            self.stats.skipped += 1
        return None

    def has_contact_lead(self) -> bool:
        """Tell whether the best queued URL looks like a contact page."""
        return bool(self._heap) and -self._heap[0][0] >= CONTACT_SCORE

    def _accept_query_variant(self, url: str) -> bool:
        """Allow a few query strings per path so /events?page=N traps end."""
        if not urlsplit(url).query:
            return True
        key = path_key(url)
        self._variants[key] = self._variants.get(key, 0) + 1
        return self._variants[key] <= MAX_QUERY_VARIANTS_PER_PATH
