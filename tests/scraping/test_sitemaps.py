"""Sitemaps: read on every scan, indexes and .xml.gz, same-site, robots.txt and budgets."""

from __future__ import annotations

import gzip
import time
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from scrapersky.scraping import sitemaps
from scrapersky.scraping.sitemaps import (
    MAX_SITEMAP_FETCHES,
    gunzip_bounded,
    parse_sitemap,
    rank_sitemap_urls,
)
from tests.scraping.conftest import (
    LoopbackSite,
    crawl,
    drip_body,
    emails,
    html_page,
    paths,
    send_body,
)

pytestmark = pytest.mark.usefixtures("no_probes")
XML = "application/xml"


def urlset(*urls: str) -> str:
    """Return a sitemap listing urls."""
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset>{entries}</urlset>'


def sitemap_index(*urls: str) -> str:
    """Return a sitemap index listing child sitemaps."""
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return f'<?xml version="1.0"?><sitemapindex>{entries}</sitemapindex>'


def test_page_listed_only_in_the_sitemap_is_found(session: requests.Session,
                                                  site: LoopbackSite) -> None:
    # The home page links a contact page, so sitemaps used to be skipped.
    site.page("/", html_page("/contact|Contact", "/about|About"))
    site.page("/contact", html_page(body="hello@acme.com"))
    site.page("/about", html_page())
    site.page("/sitemap.xml", urlset(site.url("/"), site.url("/partners/regional-office")),
              content_type=XML)
    site.page("/partners/regional-office", html_page(body="north@acme.com"))
    _, pages = crawl(session, site.url("/"))
    assert emails(pages) == {"hello@acme.com", "north@acme.com"}
    assert "/partners/regional-office" in site.requests


def test_sitemap_index_with_a_gzipped_child(session: requests.Session,
                                            site: LoopbackSite) -> None:
    site.page("/robots.txt", f"User-agent: *\nDisallow:\nSitemap: {site.url('/sitemap_index.xml')}",
              content_type="text/plain")
    site.page("/", html_page("/contact|Contact"))
    site.page("/contact", html_page(body="hello@acme.com"))
    site.page("/sitemap_index.xml", sitemap_index(site.url("/pages.xml.gz")), content_type=XML)
    child = urlset(site.url("/a/b/c/d/e/f/deep-page"))
    site.page("/pages.xml.gz", gzip.compress(child.encode()), content_type="application/gzip")
    site.page("/a/b/c/d/e/f/deep-page", html_page(body="deep@acme.com"))
    crawler, pages = crawl(session, site.url("/"), max_depth=2)
    assert emails(pages) == {"hello@acme.com", "deep@acme.com"}
    assert site.requests[:4] == ["/robots.txt", "/", "/sitemap_index.xml", "/pages.xml.gz"]
    assert "/sitemap.xml" not in site.requests  # robots.txt named the sitemaps


def test_disallowed_sitemaps_and_pages_are_never_requested(session: requests.Session,
                                                           site: LoopbackSite) -> None:
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n"
              f"Sitemap: {site.url('/private/sitemap.xml')}\n", content_type="text/plain")
    site.page("/", html_page())
    site.page("/sitemap.xml", sitemap_index(site.url("/private/more.xml"),
                                            site.url("/moved.xml.gz"), site.url("/old.xml")),
              content_type=XML)
    site.page("/moved.xml.gz", "", status=301, Location=site.url("/private/moved.xml.gz"))
    site.page("/old.xml", "", status=301, Location="/private/x.xml")
    site.page("/private/sitemap.xml", urlset(site.url("/private/secret")), content_type=XML)
    site.page("/private/more.xml", urlset(site.url("/private/secret")), content_type=XML)
    site.page("/private/x.xml", urlset(site.url("/private/secret")), content_type=XML)
    _, pages = crawl(session, site.url("/"))
    assert not [path for path in site.requests if path.startswith("/private/")]
    assert site.requests == ["/robots.txt", "/", "/sitemap.xml", "/moved.xml.gz", "/old.xml"]


def test_other_sites_sitemaps_and_pages_are_ignored(session: requests.Session, site: LoopbackSite,
                                                    other_site: LoopbackSite) -> None:
    site.page("/robots.txt", f"Sitemap: {other_site.url('/sitemap.xml')}\n",
              content_type="text/plain")
    site.page("/", html_page())
    site.page("/sitemap.xml", urlset(other_site.url("/team"), site.url("/team")),
              content_type=XML)
    site.page("/team", html_page(body="team@acme.com"))
    other_site.page("/team", html_page(body="stranger@elsewhere.com"))
    _, pages = crawl(session, site.url("/"))
    assert emails(pages) == {"team@acme.com"} and other_site.requests == []


def test_sitemap_index_bomb_is_bounded(session: requests.Session, site: LoopbackSite) -> None:
    children = "".join(f"<sitemap><loc>{site.url(f'/s{n}.xml')}</loc></sitemap>"
                       for n in range(5000))
    index = f"<sitemapindex>{children}</sitemapindex>"
    site.page("/robots.txt", f"Sitemap: {site.url('/index.xml')}\n", content_type="text/plain")
    site.handler("*", lambda h: send_body(h, index, XML))
    site.page("/", html_page())
    _, pages = crawl(session, site.url("/"))
    assert len([p for p in site.requests if p.endswith(".xml")]) == MAX_SITEMAP_FETCHES
    assert len(pages) == 1


def test_gzip_bomb_is_cut_and_what_it_lists_first_is_kept(
        session: requests.Session, site: LoopbackSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_SITEMAP_XML_BYTES", 1_000_000)
    padding = "<!--" + " " * 30_000_000 + "-->"
    bomb = urlset(site.url("/first")) + padding + urlset(site.url("/last"))
    site.page("/robots.txt", f"Sitemap: {site.url('/bomb.xml.gz')}\n", content_type="text/plain")
    site.page("/bomb.xml.gz", gzip.compress(bomb.encode(), 1), content_type="application/gzip")
    site.page("/", html_page())
    site.page("/first", html_page(body="first@acme.com"))
    site.page("/last", html_page(body="last@acme.com"))
    crawler, pages = crawl(session, site.url("/"))
    assert emails(pages) == {"first@acme.com"}
    assert crawler.stats.bytes_read < 200_000  # what came over the wire, compressed


def test_gunzip_stops_at_its_bound() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    assert len(gunzip_bounded(bomb, 1_000_000)) == 1_000_000
    assert gunzip_bounded(b"\x1f\x8bnot gzip at all", 1_000) == b""


def test_sitemap_bytes_are_bounded(session: requests.Session, site: LoopbackSite,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_SITEMAP_BYTES", 50_000)
    listed = [site.url(f"/page-{n}") for n in range(20_000)]  # about 800 kB
    site.page("/sitemap.xml", urlset(*listed), content_type=XML)
    site.page("/", html_page())
    site.page("*", html_page())
    crawler, pages = crawl(session, site.url("/"), max_pages=3)
    assert crawler.stats.bytes_read < 60_000
    assert len(pages) == 3


def test_a_stalling_sitemap_costs_no_more_than_its_request_deadline(
        session: requests.Session, site: LoopbackSite) -> None:
    site.page("/robots.txt", f"Sitemap: {site.url('/slow.xml')}\n"
              f"Sitemap: {site.url('/slow.xml.gz')}\n", content_type="text/plain")
    site.handler("/slow.xml", lambda h: drip_body(h, site))
    site.handler("/slow.xml.gz", lambda h: drip_body(h, site))
    site.page("/", html_page("/contact|Contact"))
    site.page("/contact", html_page(body="hello@acme.com"))
    started = time.monotonic()
    _, pages = crawl(session, site.url("/"), request_timeout_seconds=0.3)
    assert time.monotonic() - started < 2.5  # two sitemaps, 0.6 s each at most
    assert emails(pages) == {"hello@acme.com"}
    assert paths(site) == ["/", "/slow.xml", "/slow.xml.gz", "/contact"]


def _drip_headers(handler: BaseHTTPRequestHandler, site: LoopbackSite) -> None:
    """Send a status line, then one header line every 50 ms until the site stops."""
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        while not site.stopping.wait(0.05):
            handler.wfile.write(b"X-Slow: y\r\n")
            handler.wfile.flush()
    except OSError:
        return


def test_a_gzipped_sitemap_dripping_headers_costs_no_more_than_its_request_deadline(
        session: requests.Session, site: LoopbackSite) -> None:
    site.page("/robots.txt", f"Sitemap: {site.url('/slow.xml.gz')}\n", content_type="text/plain")
    site.handler("/slow.xml.gz", lambda h: _drip_headers(h, site))
    site.page("/", html_page("/contact|Contact"))
    site.page("/contact", html_page(body="hello@acme.com"))
    started = time.monotonic()
    _, pages = crawl(session, site.url("/"), request_timeout_seconds=0.3)
    assert time.monotonic() - started < 1.5  # the sitemap's deadline is 0.6 s
    assert emails(pages) == {"hello@acme.com"}


def test_a_gzipped_sitemap_is_read_whatever_its_name_and_type(session: requests.Session,
                                                               site: LoopbackSite) -> None:
    listed = gzip.compress(urlset(site.url("/partners/regional-office")).encode())
    site.page("/sitemap.xml", listed, content_type="application/octet-stream")
    site.page("/", html_page())
    site.page("/partners/regional-office", html_page(body="north@acme.com"))
    _, pages = crawl(session, site.url("/"))
    assert emails(pages) == {"north@acme.com"}


def test_parse_sitemap_reads_urlsets_indexes_and_text_lists() -> None:
    assert parse_sitemap(urlset("https://a.dev/x", "https://a.dev/y?a=1&amp;b=2")) == (
        ["https://a.dev/x", "https://a.dev/y?a=1&b=2"], [])
    assert parse_sitemap(sitemap_index("https://a.dev/s.xml.gz")) == (
        [], ["https://a.dev/s.xml.gz"])
    assert parse_sitemap("https://a.dev/x\n\nnot a url\nhttps://a.dev/y\n") == (
        ["https://a.dev/x", "https://a.dev/y"], [])


def test_sitemap_urls_are_ranked_contact_first_then_shallow() -> None:
    urls = ["https://a.dev/blog/2020/post", "https://a.dev/products", "https://a.dev/products",
            "https://a.dev/legal/privacy-policy", "https://a.dev/team"]
    assert rank_sitemap_urls(urls) == ["https://a.dev/legal/privacy-policy", "https://a.dev/team",
                                       "https://a.dev/products", "https://a.dev/blog/2020/post"]
