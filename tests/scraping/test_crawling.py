"""Crawling: same-site frontier, contact-first order, robots, budgets and hostile sites."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from scrapersky.scraping import crawling
from scrapersky.scraping.emails import PageAnalysis, analyse_html
from tests.scraping.conftest import (
    LoopbackSite,
    crawl,
    drip_body,
    emails,
    fake_dns,
    html_page,
    paths,
    send_body,
)

pytestmark = pytest.mark.usefixtures("no_probes")


def test_crawls_same_site_pages_and_never_fetches_special_links(
        session: requests.Session, site: LoopbackSite, other_site: LoopbackSite) -> None:
    site.page("/", html_page("/contact|Contact", "/about", "mailto:info@acme.com|Mail",
                             "tel:+491234|Call", "javascript:void(0)|JS", "data:text/html,x|D",
                             other_site.url("/partner") + "|Partner", "/brochure.pdf|PDF",
                             "/about#team|Team", body="<p>Home</p>"))
    site.page("/contact", html_page("/", body="<p>sales@acme.com</p>"))
    site.page("/about", html_page("/contact", body="<p>About, press@acme.com</p>"))
    crawler, pages = crawl(session, site.url("/"))
    assert [page.url for page in pages][0] == site.url("/")
    assert {page.url for page in pages} == {site.url(p) for p in ("/", "/contact", "/about")}
    assert emails(pages) == {"info@acme.com", "sales@acme.com", "press@acme.com"}
    assert sorted(paths(site)) == ["/", "/about", "/contact"]
    assert other_site.requests == []
    assert all(page.error is None and page.status_code == 200 for page in pages)
    assert crawler.start_final_url == site.url("/")
    assert (crawler.stats.fetched, crawler.stats.failed, crawler.stats.queued) == (3, 0, 0)
    assert crawler.stats.skipped == 1  # the .pdf


def test_www_and_apex_are_one_site(session: requests.Session, site: LoopbackSite,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"acme.test": ["127.0.0.1"], "www.acme.test": ["127.0.0.1"],
                           "shop.acme.test": ["127.0.0.1"]})
    apex = site.url("/").replace("127.0.0.1", "acme.test")
    www = site.url("/").replace("127.0.0.1", "www.acme.test")
    site.page("/", "", status=301, Location=www + "home")
    site.page("/home", html_page(apex + "team|Team", www.replace("www.", "shop.") + "x|Shop"))
    site.page("/team", html_page())
    crawler, pages = crawl(session, apex)
    assert crawler.start_final_url == www + "home"
    assert [page.final_url for page in pages] == [www + "home", apex + "team"]
    _, pages = crawl(session, apex, include_subdomains=True)
    assert len(pages) == 3


def test_a_site_that_starts_blocking_us_ends_the_crawl(session: requests.Session,
                                                       site: LoopbackSite) -> None:
    site.page("/", html_page(*(f"/p{n}" for n in range(20))))
    site.page("*", "<h1>Forbidden</h1>", status=403)
    crawler, pages = crawl(session, site.url("/"), per_host_concurrency=1)
    assert len(pages) == 1 + crawling.MAX_BLOCKED_STREAK
    assert crawler.stats.failed == crawling.MAX_BLOCKED_STREAK


def test_contact_pages_are_fetched_first(session: requests.Session, site: LoopbackSite) -> None:
    links = [f"/product/{n}|Product {n}" for n in range(10)]
    site.page("/", html_page(*links, "/about-us|About us", "/impressum|Impressum",
                             "/privacy|Privacy"))
    site.page("/impressum", html_page(body="owner@acme.com"))
    site.page("/privacy", html_page(body="Data protection officer: dpo@acme.com"))
    crawler, pages = crawl(session, site.url("/"), max_pages=4, per_host_concurrency=1)
    # Privacy pages rank with contact pages: the data protection officer is named there.
    assert paths(site) == ["/", "/impressum", "/privacy", "/about-us"]
    assert emails(pages) == {"owner@acme.com", "dpo@acme.com"}


def test_max_pages_and_max_depth_are_budgets(session: requests.Session,
                                             site: LoopbackSite) -> None:
    site.handler("*", lambda h: _chain_page(h))
    site.page("/", html_page("/d1"))
    _, pages = crawl(session, site.url("/"), max_pages=50, max_depth=3)
    assert sorted(page.depth for page in pages) == [0, 1, 2, 3]
    _, pages = crawl(session, site.url("/"), max_pages=2, max_depth=10)
    assert len(pages) == 2


def _chain_page(handler: BaseHTTPRequestHandler) -> None:
    depth = int(handler.path.strip("/d") or 0) if handler.path.startswith("/d") else -1
    send_body(handler, html_page(f"/d{depth + 1}"))


def test_robots_rules_and_crawl_delay_are_obeyed(session: requests.Session,
                                                 site: LoopbackSite) -> None:
    site.page("/robots.txt", "User-agent: ScraperSkyTest\nDisallow: /private\nCrawl-delay: 0.2\n",
              content_type="text/plain")
    site.page("/", html_page("/private/contact|Contact", "/a", "/b"))
    started = time.monotonic()
    crawler, pages = crawl(session, site.url("/"), per_host_concurrency=4)
    assert sorted(paths(site)) == ["/", "/a", "/b"]
    assert time.monotonic() - started >= 0.4  # three requests, 0.2 s apart
    assert crawler.stats.skipped == 1


def test_sitemap_seeds_contact_pages(session: requests.Session, site: LoopbackSite) -> None:
    site.page("/", "<html><body><script>renderMenu()</script></body></html>")
    site.page("/sitemap.xml", "<?xml version='1.0'?><urlset><url><loc>" + site.url("/kontakt")
              + "</loc></url><url><loc>" + site.url("/blog") + "</loc></url></urlset>",
              content_type="application/xml")
    site.page("/kontakt", html_page(body="kontakt@acme.com"))
    _, pages = crawl(session, site.url("/"), max_pages=2)
    assert emails(pages) == {"kontakt@acme.com"}
    assert site.requests == ["/robots.txt", "/", "/sitemap.xml", "/kontakt"]


def test_well_known_paths_are_probed_when_nothing_links_contact(
        session: requests.Session, site: LoopbackSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crawling, "WELL_KNOWN_PROBES", ("/contact", "/impressum"))
    site.page("/", "<html><body><script>renderMenu()</script></body></html>")
    site.page("/impressum", html_page(body="owner@acme.com"))
    crawler, pages = crawl(session, site.url("/"))
    # The two probes may run at once (per-host concurrency 2), in either order.
    assert site.requests[:3] == ["/robots.txt", "/", "/sitemap.xml"]
    assert sorted(site.requests[3:]) == ["/contact", "/impressum"]
    assert [page.url for page in pages] == [site.url("/"), site.url("/impressum")]
    assert emails(pages) == {"owner@acme.com"} and crawler.stats.skipped == 1


def test_infinite_calendar_ends(session: requests.Session, site: LoopbackSite) -> None:
    def month(handler: BaseHTTPRequestHandler) -> None:
        n = int(handler.path.rsplit("=", 1)[-1]) if "=" in handler.path else 0
        send_body(handler, html_page(f"/events?month={n + 1}", f"/events?month={n - 1}"))

    site.handler("/events", month)
    site.page("/", html_page("/events?month=0"))
    crawler, pages = crawl(session, site.url("/"), max_pages=100, max_depth=100)
    assert len([p for p in site.requests if p.startswith("/events")]) == 5
    assert crawler.stats.skipped >= 1


def test_failed_pages_are_yielded_with_errors(session: requests.Session,
                                              site: LoopbackSite) -> None:
    site.page("/", html_page("/broken", "/missing", "/file"))
    site.page("/broken", "<h1>oops</h1>", status=500)
    site.page("/file", b"\x00\x01", content_type="application/octet-stream")
    crawler, pages = crawl(session, site.url("/"))
    errors = {page.url.rsplit("/", 1)[-1]: page.error for page in pages}
    assert errors == {"": None, "broken": "HTTP 500", "missing": "HTTP 404",
                      "file": "not HTML (application/octet-stream)"}
    assert (crawler.stats.fetched, crawler.stats.failed, crawler.stats.skipped) == (1, 2, 1)


def test_rate_limited_page_is_retried_after_retry_after(session: requests.Session,
                                                        site: LoopbackSite) -> None:
    answers = iter([(429, b"wait"), (200, html_page(body="late@acme.com").encode())])

    def limited(handler: BaseHTTPRequestHandler) -> None:
        status, body = next(answers)
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Retry-After", "1")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.handler("/team", limited)
    site.page("/", html_page("/team"))
    started = time.monotonic()
    _, pages = crawl(session, site.url("/"))
    assert emails(pages) == {"late@acme.com"} and paths(site) == ["/", "/team", "/team"]
    assert time.monotonic() - started >= 1


def test_broken_html_never_crashes(session: requests.Session, site: LoopbackSite) -> None:
    broken = ("<html><body><a href='/x'>unclosed <div><<<>>> <table><tr><td>"
              "<a href=\"http://[::1/\">bad</a><a href='http://%zz'>x</a>"
              "<p>mail: boss@acme.com <a href=/contact>Contact</a>") + "<div>" * 5000
    site.page("/", broken)
    site.page("/contact", "<p>unterminated <b>hello@acme.com")
    _, pages = crawl(session, site.url("/"))
    assert {"boss@acme.com", "hello@acme.com"} <= emails(pages)


def test_parse_failure_is_reported_not_raised(session: requests.Session, site: LoopbackSite,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    site.page("/", html_page("/bad"))
    site.page("/bad", "<p>bad</p>")

    def explode(html: str, url: str, host: str | None) -> PageAnalysis:
        if url.endswith("/bad"):
            raise RecursionError("too deep")
        return analyse_html(html, url, host)

    _, pages = crawl(session, site.url("/"), analyser=explode)
    assert pages[1].error == "HTML could not be parsed"


def test_hostile_pages_inside_a_crawl_stay_bounded(session: requests.Session,
                                                   site: LoopbackSite) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            while not site.stopping.is_set():
                handler.wfile.write(b"1000\r\n" + b"y" * 4096 + b"\r\n")
        except OSError:
            return

    site.handler("/stream", endless)
    site.handler("/drip", lambda h: drip_body(h, site, content_length=9999))
    site.page("/loop", "", status=302, Location="/loop2")
    site.page("/loop2", "", status=302, Location="/loop")
    site.page("/", html_page("/stream", "/drip", "/loop", "/contact|Contact"))
    site.page("/contact", html_page(body="ok@acme.com"))
    started = time.monotonic()
    crawler, pages = crawl(session, site.url("/"), max_page_bytes=300_000,
                           request_timeout_seconds=0.3)
    assert time.monotonic() - started < 3
    assert emails(pages) == {"ok@acme.com"}
    errors = {page.url.rsplit("/", 1)[-1]: page.error for page in pages}
    assert errors["stream"] is None and "redirect loop" in errors["loop"]
    assert "deadline" in errors["drip"] or "timed out" in errors["drip"]
