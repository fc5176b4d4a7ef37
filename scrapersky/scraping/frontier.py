"""The crawl frontier: same-site canonical URLs, each queued once, contact-like pages first."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapersky.scraping.crawl_model import CrawlStats
from scrapersky.scraping.emails import Link
from scrapersky.scraping.pagination import listing_key
from scrapersky.scraping.urls import (
    CONTACT_SCORE,
    canonicalise_url,
    contact_score,
    has_skipped_extension,
    is_same_site,
    path_key,
)

MAX_QUERY_VARIANTS_PER_PATH = 5
# Pages 2..N of one listing (/team/page/N/, /news?page=N, "Next" links) that are followed.
MAX_PAGES_PER_LISTING = 10
MAX_FRONTIER_URLS = 5_000


@dataclass
class CrawlTask:
    """One URL to fetch: its depth, retries so far, whether it is a guessed probe, its score."""

    url: str
    depth: int
    retries: int = 0
    is_probe: bool = False
    score: int = 0


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
        self._listing_pages: dict[str, int] = {}

    def mark_seen(self, url: str) -> None:
        """Remember a URL as visited, so links to it are not queued."""
        self._seen.add(url)

    def is_seen(self, url: str) -> bool:
        """Tell whether a URL was queued or visited already."""
        return url in self._seen

    def add_link(self, url: str, depth: int, text: str | Callable[[], str] = "") -> None:
        """Queue a URL at a depth unless it is off-site, too deep, seen or a trap.
        `text` (the anchor text, or a function giving it) is read only for a new URL."""
        canonical = self._new_same_site(url, depth)
        if canonical is not None and self._accept(canonical, None):
            anchor_text = text() if callable(text) else text
            self.push(CrawlTask(canonical, depth, score=contact_score(url, anchor_text)))

    def add_links(self, page: CrawlTask, page_url: str, links: Iterable[Link]) -> None:
        """Queue the links found on a page; its listing's next pages keep its depth and score."""
        page_url = canonicalise_url(page_url) or page_url
        for url, text in links:
            canonical = self._new_same_site(url, page.depth)
            if canonical is None:
                continue
            listing = listing_key(canonical, text, page_url)
            if listing is None and page.depth + 1 > self.max_depth:
                continue
            if self._accept(canonical, listing):
                score = contact_score(url, text)
                if listing is None:
                    self.push(CrawlTask(canonical, page.depth + 1, score=score))
                else:
                    self.push(CrawlTask(canonical, page.depth, score=max(score, page.score)))

    def push(self, task: CrawlTask, priority: int | None = None) -> None:
        """Queue a task by its score (or the given priority); higher comes out first."""
        priority = task.score if priority is None else priority
        heapq.heappush(self._heap, (-priority, task.depth, next(self._order), task))
        self.stats.queued = len(self._heap)

    def pop_allowed(self, is_allowed: Callable[[str], bool],
                    deadline: float | None = None) -> CrawlTask | None:
        """Return the best task whose URL is allowed; disallowed ones count as skipped.
        None when none is left, or at the (monotonic) deadline: skipping costs time too."""
        while self._heap:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            task = heapq.heappop(self._heap)[-1]
            self.stats.queued = len(self._heap)
            if is_allowed(task.url):
                return task
            self.stats.skipped += 1
        return None

    def has_contact_lead(self) -> bool:
        """Tell whether the best queued URL looks like a contact page."""
        return bool(self._heap) and -self._heap[0][0] >= CONTACT_SCORE

    def _new_same_site(self, url: str, depth: int) -> str | None:
        """Return the canonical URL if it is on this site, not seen and not too deep."""
        canonical = canonicalise_url(url)
        if depth > self.max_depth or canonical is None or canonical in self._seen:
            return None
        if not is_same_site(self.site_url, canonical, include_subdomains=self.include_subdomains):
            return None
        return canonical

    def _accept(self, canonical: str, listing: str | None) -> bool:
        """Mark a new URL seen; tell whether it may be queued (skipped ones are counted)."""
        self._seen.add(canonical)
        if has_skipped_extension(canonical) or len(self._heap) >= MAX_FRONTIER_URLS:
            is_wanted = False
        elif listing is None:
            is_wanted = self._accept_query_variant(canonical)
        else:
            is_wanted = self._accept_listing_page(listing)
        self.stats.skipped += not is_wanted
        return is_wanted

    def _accept_query_variant(self, url: str) -> bool:
        """Allow a few query strings per path so /events?month=N traps end."""
        if not urlsplit(url).query:
            return True
        key = path_key(url)
        self._variants[key] = self._variants.get(key, 0) + 1
        return self._variants[key] <= MAX_QUERY_VARIANTS_PER_PATH

    def _accept_listing_page(self, listing: str) -> bool:
        """Allow a bounded number of next pages per listing."""
        self._listing_pages[listing] = self._listing_pages.get(listing, 0) + 1
        return self._listing_pages[listing] <= MAX_PAGES_PER_LISTING
