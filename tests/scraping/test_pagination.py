"""Listing pagination: followed within a bound, at the listing's depth; calendars stay bounded."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from scrapersky.scraping.frontier import MAX_PAGES_PER_LISTING, MAX_QUERY_VARIANTS_PER_PATH
from scrapersky.scraping.pagination import is_next_text, listing_key
from tests.scraping.conftest import LoopbackSite, crawl, emails, html_page, send_body

pytestmark = pytest.mark.usefixtures("no_probes")
SITE = "https://acme.dev"


@pytest.mark.parametrize(("url", "text", "page", "expected"), [
    ("/news/page/2/", "", "/news/", "/news"),
    ("/team/seite/3", "", "/team/seite/2", "/team"),
    ("/page/2/", "", "/", "/"),
    ("/team?page=2", "", "/team", "/team"),
    ("/blog?paged=3", "Older posts", "/blog?paged=2", "/blog"),
    ("/people/2/", "2", "/people/", "/people"),
    ("/people/3/", "Next »", "/people/2/", "/people"),
    ("/people/3/4/", "Next »", "/people/3/", "/people"),
    ("/mitarbeiter-2", "Weiter", "/mitarbeiter", "/mitarbeiter"),
    ("/blog/page/2/page/3/", "Older posts", "/blog/page/2/", "/blog"),
    ("/actus?debut=10", "Suivant ›", "/actus?debut=0", "/actus?debut=#"),
    ("/staff?dept=1&page=2", "»", "/staff?dept=1&page=1", "/staff?dept=#&page=#"),
])
def test_pagination_links_name_their_listing(url: str, text: str, page: str,
                                             expected: str) -> None:
    assert listing_key(SITE + url, text, SITE + page) == SITE + expected


@pytest.mark.parametrize(("url", "text", "page"), [
    ("/events?month=6", "Next month »", "/events?month=5"),
    ("/calendar/2024/06/", "»", "/calendar/2024/05/"),
    ("/2024/06/", "Next", "/2024/05/"),
    ("/events/week/23", "›", "/events/week/22"),
    ("/blog/second-post", "Next post", "/blog/first-post"),
    ("/product/123", "Next", "/products"),
    ("/item?id=2", "Details", "/item?id=1"),
    ("/page/1/", "", "/"),
])
def test_calendars_and_other_links_are_not_pagination(url: str, text: str, page: str) -> None:
    assert listing_key(SITE + url, text, SITE + page) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Next", True), ("Weiter »", True), ("Nächste Seite", True), ("Suivant", True),
    ("Siguiente", True), ("›", True), ("»", True), ("2", True), ("Page 3", True),
    ("Older posts", True), ("Read more about our team", False), ("1", False), ("", False),
])
def test_next_texts(text: str, expected: bool) -> None:
    assert is_next_text(text) is expected


def _listing(handler: BaseHTTPRequestHandler, pages: int) -> None:
    """/x?page=N (or /x) lists two entries and links the next page while there is one."""
    parts = urlsplit(handler.path)
    number = int(dict(parse_qsl(parts.query)).get("page", 1))
    entries = [f"{parts.path}/person-{number}-{k}|Person {k}" for k in (1, 2)]
    more = [f"{parts.path}?page={number + 1}|Next ›"] if number < pages else []
    send_body(handler, html_page(*entries, *more))


def _person(handler: BaseHTTPRequestHandler) -> None:
    name = handler.path.rsplit("/", 1)[-1]
    send_body(handler, html_page(body=f"<p>{name}@acme.com</p>"))


def test_a_paginated_team_listing_is_read_to_its_last_page(session: requests.Session,
                                                           site: LoopbackSite) -> None:
    site.handler("/team", lambda h: _listing(h, pages=4))
    site.handler("*", _person)
    site.page("/robots.txt", "", status=404)
    site.page("/sitemap.xml", "", status=404)
    site.page("/", html_page("/ueber-uns|Über uns"))
    site.page("/ueber-uns", html_page("/team|Team"))
    # Page 4 of the team is four "Next" links from the home page, its people five.
    _, pages = crawl(session, site.url("/"), max_depth=3)
    assert emails(pages) == {f"person-{n}-{k}@acme.com" for n in range(1, 5) for k in (1, 2)}


def test_endless_pagination_stays_bounded(session: requests.Session, site: LoopbackSite) -> None:
    def endless_blog(handler: BaseHTTPRequestHandler) -> None:
        if not handler.path.startswith("/blog/page/"):
            send_body(handler, html_page())
            return
        number = int(handler.path.strip("/").rsplit("/", 1)[-1])
        send_body(handler, html_page(f"/blog/page/{number + 1}/|Older posts"))

    site.handler("*", endless_blog)
    site.handler("/news", lambda h: _listing(h, pages=10_000))
    site.page("/", html_page("/blog/page/2/|2", "/news|News"))
    site.page("/robots.txt", "", status=404)
    site.page("/sitemap.xml", "", status=404)
    crawl(session, site.url("/"), max_pages=200, max_depth=10)
    blog = [path for path in site.requests if path.startswith("/blog/page/")]
    news = [path for path in site.requests if path.startswith("/news?page=")]
    assert len(blog) == MAX_PAGES_PER_LISTING and len(news) == MAX_PAGES_PER_LISTING


def test_next_links_that_nest_stay_one_bounded_listing(session: requests.Session,
                                                       site: LoopbackSite) -> None:
    # A common theme bug: page N links "page/N+1/", relative, so the pages nest without end:
    # /blog/page/2/, /blog/page/2/page/3/, ... and each kept the depth of the first.
    def nesting_blog(handler: BaseHTTPRequestHandler) -> None:
        number = int(handler.path.strip("/").rsplit("/", 1)[-1]) if "/page/" in handler.path else 1
        send_body(handler, html_page(f"page/{number + 1}/|Older posts"))

    site.handler("*", nesting_blog)
    site.page("/", html_page("/blog/|Blog"))
    site.page("/robots.txt", "", status=404)
    site.page("/sitemap.xml", "", status=404)
    crawl(session, site.url("/"), max_pages=100, max_depth=3)
    assert len([path for path in site.requests if "/page/" in path]) == MAX_PAGES_PER_LISTING


def test_a_calendar_trap_stays_bounded_as_before(session: requests.Session,
                                                 site: LoopbackSite) -> None:
    def month(handler: BaseHTTPRequestHandler) -> None:
        n = int(handler.path.rsplit("=", 1)[-1]) if "=" in handler.path else 0
        send_body(handler, html_page(f"/events?month={n + 1}|Next month »",
                                     f"/events?month={n - 1}|« Previous month"))

    site.handler("/events", month)
    site.page("/", html_page("/events?month=0|Events"))
    crawl(session, site.url("/"), max_pages=100, max_depth=100)
    events = [path for path in site.requests if path.startswith("/events")]
    assert len(events) == MAX_QUERY_VARIANTS_PER_PATH
