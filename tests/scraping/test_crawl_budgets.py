"""Crawl budgets and control: per-host concurrency, wall time, bytes, stopping, live counters."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from scrapersky.scraping.crawling import CrawlLimits, SiteCrawler
from tests.scraping.conftest import (
    FAST,
    USER_AGENT,
    LoopbackSite,
    crawl,
    html_page,
    paths,
    send_body,
)

pytestmark = pytest.mark.usefixtures("no_probes")


def _slow(handler: BaseHTTPRequestHandler, site: LoopbackSite, seconds: float,
          active: list[int], peak: list[int], lock: threading.Lock) -> None:
    with lock:
        active[0] += 1
        peak[0] = max(peak[0], active[0])
    site.stopping.wait(seconds)  # server-side latency, not a test wait
    with lock:
        active[0] -= 1
    send_body(handler, html_page(*(f"/p{n}" for n in range(20))))


def test_per_host_concurrency_is_respected(session: requests.Session,
                                           site: LoopbackSite) -> None:
    active, peak, lock = [0], [0], threading.Lock()
    site.handler("*", lambda h: _slow(h, site, 0.05, active, peak, lock))
    site.page("/robots.txt", "", status=404)
    _, pages = crawl(session, site.url("/"), max_pages=12, per_host_concurrency=3)
    assert len(pages) == 12 and peak[0] == 3


def test_wall_time_ends_a_slow_crawl(session: requests.Session, site: LoopbackSite) -> None:
    active, peak, lock = [0], [0], threading.Lock()
    site.handler("*", lambda h: _slow(h, site, 0.4, active, peak, lock))
    site.page("/robots.txt", "", status=404)
    started = time.monotonic()
    crawler, pages = crawl(session, site.url("/"), wall_time_seconds=1.0, max_pages=100,
                           request_timeout_seconds=5)
    assert time.monotonic() - started < 1.8
    assert 2 <= len(pages) < 10


def test_total_bytes_budget_ends_the_crawl(session: requests.Session,
                                           site: LoopbackSite) -> None:
    filler = "<p>" + "x" * 20_000 + "</p>"
    site.page("/", html_page(*(f"/p{n}" for n in range(30)), body=filler))
    site.page("*", html_page(body=filler))
    crawler, pages = crawl(session, site.url("/"), max_total_bytes=100_000, max_pages=100,
                           per_host_concurrency=1)
    assert crawler.stats.bytes_read <= 100_000 + 20_500
    assert len(pages) <= 6


def test_should_stop_is_checked_between_pages(session: requests.Session,
                                              site: LoopbackSite) -> None:
    site.page("/", html_page(*(f"/p{n}" for n in range(30))))
    site.page("*", html_page())
    crawler = SiteCrawler(session, site.url("/"), CrawlLimits(**FAST, per_host_concurrency=1),
                          user_agent=USER_AGENT)
    seen = []
    for page in crawler.crawl(should_stop=lambda: len(seen) >= 3):
        seen.append(page)
    assert len(seen) == 3 and len(paths(site)) == 3


def test_stats_are_live(session: requests.Session, site: LoopbackSite) -> None:
    site.page("/", html_page("/a", "/b", "/c"))
    site.page("*", html_page())
    crawler = SiteCrawler(session, site.url("/"), CrawlLimits(**FAST, per_host_concurrency=1),
                          user_agent=USER_AGENT)
    snapshots = [(crawler.stats.fetched, crawler.stats.queued) for _ in crawler.crawl()]
    assert snapshots == [(1, 3), (2, 2), (3, 1), (4, 0)]
    assert crawler.stats.requests == 6 and crawler.stats.bytes_read > 0  # + robots, sitemap
