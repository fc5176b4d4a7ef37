"""Sitemaps: named by robots.txt or at /sitemap.xml, indexes and .xml.gz, read within bounds."""

from __future__ import annotations

import html
import logging
import re
import time
import zlib
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from scrapersky.scraping.fetching import FetchError
from scrapersky.scraping.urls import contact_score

logger = logging.getLogger(__name__)

MAX_SITEMAP_FETCHES = 8  # robots.txt's sitemaps, indexes and their children together
MAX_SITEMAP_BYTES = 5_000_000  # all sitemaps of one scan, as read from the network
MAX_SITEMAP_XML_BYTES = 10_000_000  # one sitemap after gunzip: a gzip bomb stops here
MAX_SITEMAP_URLS = 50_000  # the protocol's limit per file
MAX_SITEMAP_SEEDS = 1_000  # sitemap URLs merged into the frontier, most promising first
MAX_SITEMAP_REDIRECTS = 3  # each checked against the site and robots.txt, like pages
SITEMAP_TIME_SHARE = 0.25  # of the crawl's wall time, at most, before pages are crawled
GZIP_MAGIC = b"\x1f\x8b"
# Fetches one sitemap (raw bytes, so .xml.gz too) with a byte cap: (HTTP status, bytes read,
# body text or None).
FetchSitemap = Callable[[str, int], tuple[int, int, str | None]]
_LOC_RE = re.compile(r"<(?:\w+:)?loc>\s*([^<\s]{1,2048})\s*</(?:\w+:)?loc>", re.IGNORECASE)
_INDEX_RE = re.compile(r"<(?:\w+:)?sitemapindex[\s>]", re.IGNORECASE)


def read_sitemaps(listed: list[str], site_url: str, fetch: FetchSitemap,
                  is_wanted: Callable[[str], bool], deadline: float) -> list[str]:
    """Return the URLs of a site's sitemaps, most promising first.

    The sitemaps are those robots.txt lists (the ones is_wanted), else /sitemap.xml."""
    roots = [url for url in listed if is_wanted(url)] or [urljoin(site_url, "/sitemap.xml")]
    return rank_sitemap_urls(SitemapReader(fetch, is_wanted, deadline).read(roots))


def parse_sitemap(text: str) -> tuple[list[str], list[str]]:
    """Return (page URLs, child sitemap URLs) of a sitemap, a sitemap index or a text list."""
    locations = []
    for match in _LOC_RE.finditer(text):
        locations.append(html.unescape(match.group(1)))
        if len(locations) >= MAX_SITEMAP_URLS:
            break
    if _INDEX_RE.search(text[:10_000]):
        return [], locations
    if not locations and "<" not in text[:1000]:  # a text sitemap: one URL per line
        lines = (line.strip() for line in text.splitlines()[:MAX_SITEMAP_URLS])
        locations = [line for line in lines if line.startswith(("http://", "https://"))]
    return locations, []


def gunzip_bounded(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip data up to max_bytes of output; what a bomb holds beyond is dropped."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        output = decompressor.decompress(data, max_bytes)
    except zlib.error as exc:
        logger.info("sitemap is not valid gzip: %s", exc)
        return b""
    if decompressor.unconsumed_tail:
        logger.info("gzipped sitemap cut at %d bytes", max_bytes)
    return output


def sitemap_text(body: bytes) -> str:
    """Return a sitemap body as text, gunzipped (with a bound) if it is gzip."""
    if body.startswith(GZIP_MAGIC):
        body = gunzip_bounded(body, MAX_SITEMAP_XML_BYTES)
    return body[:MAX_SITEMAP_XML_BYTES].decode("utf-8", errors="replace")


def rank_sitemap_urls(urls: list[str]) -> list[str]:
    """Return sitemap URLs contact-like first, then shallow paths first, at most the seeds."""
    def rank(url: str) -> tuple[int, int]:
        return -contact_score(url), urlsplit(url).path.rstrip("/").count("/")

    return sorted(dict.fromkeys(urls), key=rank)[:MAX_SITEMAP_SEEDS]


class SitemapReader:
    """Read sitemaps breadth-first within a fetch count, a byte allowance and a deadline."""

    def __init__(self, fetch: FetchSitemap, is_wanted: Callable[[str], bool],
                 deadline: float) -> None:
        self.fetch = fetch
        self.is_wanted = is_wanted  # same site, robots.txt, the crawl's budgets
        self.deadline = deadline
        self.bytes_left = MAX_SITEMAP_BYTES
        self.fetched: list[str] = []

    def read(self, roots: list[str]) -> list[str]:
        """Return the page URLs of the sitemaps reachable from roots."""
        pending, pages = list(roots), []
        while pending and len(self.fetched) < MAX_SITEMAP_FETCHES and self.bytes_left > 0 \
                and time.monotonic() < self.deadline:
            url = pending.pop(0)
            if url in self.fetched or not self.is_wanted(url):
                continue
            self.fetched.append(url)
            page_urls, children = parse_sitemap(self._read_one(url))
            pages.extend(page_urls[: MAX_SITEMAP_URLS - len(pages)])
            pending.extend(children[:MAX_SITEMAP_FETCHES])
        logger.debug("sitemaps %s gave %d URLs", self.fetched, len(pages))
        return pages

    def _read_one(self, url: str) -> str:
        try:
            status, bytes_read, text = self.fetch(url, self.bytes_left)
        except FetchError as exc:
            logger.info("sitemap %s not read: %s", url, exc)
            return ""
        self.bytes_left -= bytes_read
        return text or "" if status == 200 else ""
