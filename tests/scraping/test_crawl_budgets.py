"""Crawl budgets: concurrency, wall time, bytes, stopping, live counters, default page budget."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from scrapersky.config import SETTINGS
from scrapersky.scraping.crawling import CrawlLimits, SiteCrawler
from scrapersky.scraping.emails import analyse_html
from scrapersky.tasks.email_scraper import crawl_limits
from tests.scraping.conftest import (
    USER_AGENT,
    LoopbackSite,
    crawl,
    emails,
    html_page,
    new_crawler,
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
    crawler = new_crawler(session, site.url("/"), per_host_concurrency=1)
    seen = []
    for page in crawler.crawl(should_stop=lambda: len(seen) >= 3):
        seen.append(page)
    assert len(seen) == 3 and len(paths(site)) == 3


def test_stats_are_live(session: requests.Session, site: LoopbackSite) -> None:
    site.page("/", html_page("/a", "/b", "/c"))
    site.page("*", html_page())
    crawler = new_crawler(session, site.url("/"), per_host_concurrency=1)
    snapshots = [(crawler.stats.fetched, crawler.stats.queued) for _ in crawler.crawl()]
    assert snapshots == [(1, 3), (2, 2), (3, 1), (4, 0)]
    assert crawler.stats.requests == 6 and crawler.stats.bytes_read > 0  # + robots, sitemap


def _page(*links: str, body: str = "") -> str:
    return html_page(*links, body=f"<p>{body}</p>" if body else "")


PEOPLE = ("anna", "ben", "chen", "dora", "emil", "fay", "gus", "hana", "ivo")
DEEP_PAGE = "/about/locations/europe/berlin/"  # reachable only through four links


def small_company_site(site: LoopbackSite, elsewhere: str, products: int = 0) -> set[str]:
    """Serve a 40-page company site (plus `products` product pages); return its addresses.

    It has what real sites have: contact, imprint and privacy pages, a team listing over
    three pages, news with /page/2/, a page four links deep, a page only its sitemap lists
    (a sitemap index with a gzipped child), a page on another site and a robots-disallowed
    /private/ page, both with addresses that must not be collected."""
    pages = {
        "/": _page("/about/|About", "/team/|Team", "/news/|News", "/services/|Services",
                   "/products/|Products", "/contact/|Contact", "/imprint/|Imprint",
                   "/privacy/|Privacy", elsewhere + "|Partner", "/private/internal/|Staff only"),
        "/contact/": _page(body="Write to info@acme.com"),
        "/imprint/": _page(body="Acme GmbH, managing director owner@acme.com"),
        "/privacy/": _page(body="Data protection officer: dpo@acme.com"),
        "/about/history/": _page(),
        "/about/": _page("/about/history/|History", "/about/locations/|Locations"),
        "/about/locations/": _page("/about/locations/europe/|Europe"),
        "/about/locations/europe/": _page(f"{DEEP_PAGE}|Berlin"),
        DEEP_PAGE: _page(body="berlin@acme.com"),
        "/careers/jobs/": _page(body="Apply: jobs@acme.com"),
        "/private/internal/": _page(body="hidden@acme.com"),
        "/products/": _page(*(f"/products/p-{n}/|Product {n}" for n in range(products))),
        "/services/": _page(*(f"/services/s-{n}/|Service {n}" for n in range(4))),
        **_listing_pages("/team/", PEOPLE, "Next ›"),
        **_listing_pages("/news/", [f"article-{n}" for n in range(9)], "2"),
    }
    pages.update({f"/team/{name}/": _page(body=f"{name}@acme.com") for name in PEOPLE})
    pages.update({f"/news/article-{n}/": _page() for n in range(9)})
    pages["/news/article-4/"] = _page(body="Press contact: press@acme.com")
    pages.update({f"/services/s-{n}/": _page() for n in range(4)})
    pages.update({f"/products/p-{n}/": _page() for n in range(products)})
    for path, body in pages.items():
        site.page(path, body)
    _serve_sitemaps(site, [path for path in pages if path not in ("/private/internal/", DEEP_PAGE)])
    return {"info", "owner", "dpo", "berlin", "jobs", "press", *PEOPLE}


def _listing_pages(listing: str, entries: Sequence[str], next_text: str) -> dict[str, str]:
    """Return a listing of entries over three pages: listing, listing/page/2/, .../3/."""
    pages = {}
    for number in (1, 2, 3):
        more = [f"{listing}page/{number + 1}/|{next_text}"] if number < 3 else []
        chunk = entries[(number - 1) * 3:number * 3]
        path = listing if number == 1 else f"{listing}page/{number}/"
        pages[path] = _page(*(f"{listing}{entry}/|{entry}" for entry in chunk), *more)
    return pages


def _serve_sitemaps(site: LoopbackSite, paths_listed: list[str]) -> None:
    urls = "".join(f"<url><loc>{site.url(path)}</loc></url>" for path in paths_listed)
    child = f"<urlset>{urls}<url><loc>{site.url('/private/internal/')}</loc></url></urlset>"
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n"
              f"Sitemap: {site.url('/sitemap_index.xml')}\n", content_type="text/plain")
    site.page("/sitemap_index.xml", "<sitemapindex><sitemap><loc>"
              f"{site.url('/sitemap-pages.xml.gz')}</loc></sitemap></sitemapindex>",
              content_type="application/xml")
    site.page("/sitemap-pages.xml.gz", gzip.compress(child.encode()),
              content_type="application/gzip")


def default_limits() -> CrawlLimits:
    """The budgets a scan gets when nothing is configured."""
    return crawl_limits({name: default for name, (default, _parse) in SETTINGS.items()})


def test_a_40_page_site_is_scanned_completely_with_default_limits(
        session: requests.Session, site: LoopbackSite, other_site: LoopbackSite) -> None:
    other_site.page("/", _page(body="stranger@elsewhere.com"))
    addresses = small_company_site(site, other_site.url("/"))
    crawler = SiteCrawler(session, site.url("/"), default_limits(), user_agent=USER_AGENT,
                          analyser=analyse_html)
    pages = list(crawler.crawl())
    assert emails(pages) == {f"{name}@acme.com" for name in addresses}
    assert len(pages) == 40 and all(page.error is None for page in pages)
    assert not [path for path in site.requests if path.startswith("/private/")]
    assert other_site.requests == []


def test_a_larger_site_spends_its_budget_on_promising_pages_first(
        session: requests.Session, site: LoopbackSite) -> None:
    small_company_site(site, "https://elsewhere.test/", products=260)
    limits = default_limits()
    crawler = SiteCrawler(session, site.url("/"), limits, user_agent=USER_AGENT,
                          analyser=analyse_html)
    pages = list(crawler.crawl())
    assert len(pages) == limits.max_pages
    promising = {"info", "owner", "dpo", "berlin", *PEOPLE}
    assert {f"{name}@acme.com" for name in promising} <= emails(pages)
