"""Politeness: robots.txt rules (protego), request spacing, bot-check pages."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urljoin, urlsplit

from protego import Protego

from scrapersky.scraping.crawl_model import StartPageError
from scrapersky.scraping.fetching import FetchError, FetchResult
from scrapersky.scraping.robots_bounds import bound_rules, product_token
from scrapersky.sites import site_host

logger = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 500_000  # Google reads the first 500 KiB; so do we
MAX_CACHED_DECISIONS = 20_000
MAX_CRAWL_DELAY_SECONDS = 5.0
MAX_LISTED_SITEMAPS = 8
# Failures that make the whole host unreachable: robots.txt failing this way ends the scan.
UNREACHABLE_REASONS = frozenset({"dns", "refused", "address_not_allowed", "port_not_allowed",
                                 "timeout"})
CHALLENGE_TITLE_WORDS = ("just a moment", "attention required", "captcha", "are you a robot",
                         "are you human", "security check", "ddos-guard", "access denied")
_TITLE_RE = re.compile(r"<title[^>]*>(.{0,300}?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass
class RobotsRules:
    """What a site's robots.txt allows us; without a parser everything is allowed."""

    parser: Protego | None = None
    disallow_all: bool = False
    sitemaps: list[str] = field(default_factory=list)
    _decisions: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    def can_fetch(self, url: str, user_agent: str) -> bool:
        """Return True if robots.txt lets user_agent fetch url, and its directory form too:
        servers redirect /private to /private/, which robots.txt may disallow."""
        if self.disallow_all:
            return False
        if self.parser is None:
            return True
        parts = urlsplit(url)
        if parts.path.endswith("/") or parts.query:
            return self._can_fetch_path(parts, user_agent)
        directory = parts._replace(path=parts.path + "/")
        return self._can_fetch_path(parts, user_agent) and self._can_fetch_path(directory,
                                                                                user_agent)

    def _can_fetch_path(self, parts: SplitResult, user_agent: str) -> bool:
        """Ask protego once per path and query; the answer is remembered."""
        key = (user_agent, f"{parts.path}?{parts.query}")
        decision = self._decisions.get(key)
        if decision is None:
            if len(self._decisions) >= MAX_CACHED_DECISIONS:
                self._decisions.clear()
            decision = self.parser.can_fetch(parts.geturl(), product_token(user_agent))
            self._decisions[key] = decision
        return decision

    def crawl_delay_seconds(self, user_agent: str) -> float:
        """Return the site's Crawl-delay for user_agent, capped, or 0."""
        delay = self.parser.crawl_delay(product_token(user_agent)) if self.parser else None
        return min(float(delay or 0), MAX_CRAWL_DELAY_SECONDS)


def parse_robots(status_code: int, text: str | None, robots_url: str) -> RobotsRules:
    """Return the rules for a robots.txt response, following RFC 9309 on errors."""
    if status_code >= 500:
        # RFC 9309 2.3.1.4: an unreachable robots.txt means assume complete disallow.
        return RobotsRules(disallow_all=True)
    if status_code >= 400 or not text:
        return RobotsRules()
    parser = Protego.parse(bound_rules(text[:MAX_ROBOTS_BYTES]))
    sitemaps = [urljoin(robots_url, url) for url in list(parser.sitemaps)[:MAX_LISTED_SITEMAPS]]
    return RobotsRules(parser=parser, sitemaps=sitemaps)


def load_robots(fetch_text: Callable[[str, int], FetchResult], start_url: str,
                user_agent: str) -> tuple[RobotsRules, int]:
    """Read a site's robots.txt: (its rules, bytes read); raise StartPageError if it forbids us."""
    robots_url = urljoin(start_url, "/robots.txt")
    host = site_host(urlsplit(start_url).hostname or "")
    try:
        result = fetch_text(robots_url, MAX_ROBOTS_BYTES)
    except FetchError as exc:
        if exc.reason in UNREACHABLE_REASONS:
            raise StartPageError(exc.reason, str(exc), detail=exc.detail) from exc
        logger.info("robots.txt of %s not read, treated as missing: %s", host, exc)
        return RobotsRules(), 0
    rules = parse_robots(result.status_code, result.text, robots_url)
    if rules.disallow_all:
        raise StartPageError("robots", f"robots.txt of {host} could not be read "
                             f"(HTTP {result.status_code}), so crawling is not allowed")
    if not rules.can_fetch(start_url, user_agent):
        raise StartPageError("robots", f"robots.txt of {host} disallows crawling the start "
                             f"page {start_url}")
    return rules, result.bytes_read


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
