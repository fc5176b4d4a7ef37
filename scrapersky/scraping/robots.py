"""Politeness: robots.txt rules (protego), sitemaps, request spacing, bot-check pages."""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from protego import Protego

from scrapersky.scraping.fetching import FetchResult

logger = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 500_000  # Google reads the first 500 KiB; so do we
MAX_CRAWL_DELAY_SECONDS = 5.0
MAX_SITEMAP_FETCHES = 4
MAX_SITEMAP_URLS = 50_000
CHALLENGE_TITLE_WORDS = ("just a moment", "attention required", "captcha", "are you a robot",
                         "are you human", "security check", "ddos-guard", "access denied")
_TITLE_RE = re.compile(r"<title[^>]*>(.{0,300}?)</title>", re.IGNORECASE | re.DOTALL)
_LOC_RE = re.compile(r"<(?:\w+:)?loc>\s*([^<\s]{1,2048})\s*</(?:\w+:)?loc>", re.IGNORECASE)


@dataclass
class RobotsRules:
    """What a site's robots.txt allows us; without a parser everything is allowed."""

    parser: Protego | None = None
    disallow_all: bool = False
    sitemaps: list[str] = field(default_factory=list)

    def can_fetch(self, url: str, user_agent: str) -> bool:
        """Return True if robots.txt lets user_agent fetch url."""
        if self.disallow_all:
            return False
        return self.parser is None or self.parser.can_fetch(url, user_agent)

    def crawl_delay_seconds(self, user_agent: str) -> float:
        """Return the site's Crawl-delay for user_agent, capped, or 0."""
        delay = self.parser.crawl_delay(user_agent) if self.parser else None
        return min(float(delay or 0), MAX_CRAWL_DELAY_SECONDS)


def parse_robots(status_code: int, text: str | None, robots_url: str) -> RobotsRules:
    """Return the rules for a robots.txt response, following RFC 9309 on errors."""
    if status_code >= 500:
        # RFC 9309 2.3.1.4: an unreachable robots.txt means assume complete disallow.
        return RobotsRules(disallow_all=True)
    if status_code >= 400 or not text:
        return RobotsRules()
    parser = Protego.parse(text[:MAX_ROBOTS_BYTES])
    sitemaps = [urljoin(robots_url, url) for url in list(parser.sitemaps)[:MAX_SITEMAP_FETCHES]]
    return RobotsRules(parser=parser, sitemaps=sitemaps)


def parse_sitemap(text: str) -> tuple[list[str], list[str]]:
    """Return (page URLs, child sitemap URLs) of a sitemap or sitemap index."""
    locations = []
    for match in _LOC_RE.finditer(text):
        locations.append(html.unescape(match.group(1)))
        if len(locations) >= MAX_SITEMAP_URLS:
            break
    if "<sitemapindex" in text[:2000].lower():
        return [], locations
    return locations, []


def collect_sitemap_urls(fetch_text: Callable[[str], str | None], roots: list[str], *,
                         max_fetches: int = MAX_SITEMAP_FETCHES) -> list[str]:
    """Fetch sitemaps breadth-first from roots, at most max_fetches, and return page URLs."""
    pending, seen, pages = list(roots), set(), []
    while pending and len(seen) < max_fetches:
        sitemap_url = pending.pop(0)
        if sitemap_url in seen:
            continue
        seen.add(sitemap_url)
        text = fetch_text(sitemap_url)
        if not text:
            continue
        page_urls, children = parse_sitemap(text)
        pages.extend(page_urls[: MAX_SITEMAP_URLS - len(pages)])
        pending.extend(children[:max_fetches])
    logger.debug("sitemaps %s gave %d URLs", sorted(seen), len(pages))
    return pages


class Throttle:
    """Spaces request starts by the crawl delay; a 429/503 pauses every worker."""

    def __init__(self, delay_seconds: float) -> None:
        self.delay_seconds = delay_seconds
        self._lock = threading.Lock()
        self._next_start = 0.0

    def wait_turn(self, deadline: float) -> bool:
        """Sleep until this worker may start a request; False if that is past the deadline."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            if start > deadline:
                return False
            self._next_start = start + self.delay_seconds
        if start > now:
            time.sleep(start - now)
        return True

    def pause(self, seconds: float) -> None:
        """Hold back every request for the given number of seconds."""
        with self._lock:
            self._next_start = max(self._next_start, time.monotonic() + seconds)


def is_challenge_page(result: FetchResult) -> bool:
    """Return True for a CAPTCHA or bot-check page instead of the real content."""
    match = _TITLE_RE.search((result.text or "")[:20_000])
    title = match.group(1).lower() if match else ""
    return any(word in title for word in CHALLENGE_TITLE_WORDS)
