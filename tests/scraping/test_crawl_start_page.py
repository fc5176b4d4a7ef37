"""The start of a crawl: robots.txt and the start page decide whether a site can be scanned."""

from __future__ import annotations

import pytest
import requests

from scrapersky.scraping.crawling import StartPageError
from scrapersky.scraping.fetching import FetchError
from tests.scraping.conftest import (
    LoopbackSite,
    crawl,
    failing_dns,
    fake_dns,
    html_page,
    paths,
)

pytestmark = pytest.mark.usefixtures("no_probes")


def test_dns_failure_is_a_start_page_error(session: requests.Session,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    failing_dns(monkeypatch)
    with pytest.raises(StartPageError, match="DNS lookup failed for nosuch.invalid") as caught:
        crawl(session, "http://nosuch.invalid/")
    assert caught.value.reason == "dns" and isinstance(caught.value.__cause__, FetchError)


def test_refused_connection_is_a_start_page_error(session: requests.Session) -> None:
    with pytest.raises(StartPageError, match="^127.0.0.1 refused the connection$") as caught:
        crawl(session, "http://127.0.0.1:1/")
    assert caught.value.reason == "refused"
    assert caught.value.detail == "connection refused by 127.0.0.1:1"  # for the log only


def test_disallowed_address_is_a_start_page_error(guarded_session: requests.Session,
                                                  site: LoopbackSite) -> None:
    site.page("/", html_page())
    with pytest.raises(StartPageError, match=r"^127\.0\.0\.1 is a loopback address, which "
                       "scans are not allowed to reach$") as caught:
        crawl(guarded_session, site.url("/"))
    assert caught.value.reason == "address_not_allowed" and site.requests == []


def test_start_page_errors_name_the_category_not_the_address(
        guarded_session: requests.Session, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"intranet.acme.test": ["10.0.0.1"]})
    with pytest.raises(StartPageError) as caught:
        crawl(guarded_session, "http://intranet.acme.test:8080/")
    assert str(caught.value) == ("intranet.acme.test resolves to a private network address, "
                                 "which scans are not allowed to reach")
    assert "10.0.0.1" in caught.value.detail  # for the log


@pytest.mark.parametrize(("route", "reason", "message"), [
    ((404, "text/html", "<h1>gone</h1>"), "http_error", "returned HTTP 404"),
    ((500, "text/html", "<h1>oops</h1>"), "http_error", "returned HTTP 500"),
    ((200, "application/json", "{}"), "not_html", r"not HTML \(content type application/json\)"),
    ((200, "text/html", b"\x89PNG\r\n\x1a\n\x00\x00"), "not_html", "not HTML"),
    ((403, "text/html", "<h1>Forbidden</h1>"), "blocked", "blocks automated access"),
    ((200, "text/html", "<title>Just a moment...</title>"), "blocked", "blocks automated"),
])
def test_unusable_start_pages(session: requests.Session, site: LoopbackSite, route: tuple,
                              reason: str, message: str) -> None:
    status, content_type, body = route
    site.page("/", body, status=status, content_type=content_type)
    with pytest.raises(StartPageError, match=message) as caught:
        crawl(session, site.url("/"))
    assert caught.value.reason == reason


def test_start_page_rate_limited_twice_is_blocked(session: requests.Session,
                                                  site: LoopbackSite) -> None:
    site.page("/", "slow down", status=429, **{"Retry-After": "0"})
    with pytest.raises(StartPageError, match="HTTP 429") as caught:
        crawl(session, site.url("/"))
    assert caught.value.reason == "blocked" and paths(site) == ["/", "/"]


def test_start_page_redirecting_to_another_site(session: requests.Session, site: LoopbackSite,
                                                other_site: LoopbackSite) -> None:
    site.page("/", "", status=301, Location=other_site.url("/"))
    with pytest.raises(StartPageError, match="redirects to another site") as caught:
        crawl(session, site.url("/"))
    assert caught.value.reason == "offsite_redirect" and other_site.requests == []


def test_robots_disallow_all_is_a_start_page_error(session: requests.Session,
                                                   site: LoopbackSite) -> None:
    site.page("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    site.page("/", html_page())
    with pytest.raises(StartPageError, match="robots.txt .* disallows") as caught:
        crawl(session, site.url("/"))
    assert caught.value.reason == "robots" and site.requests == ["/robots.txt"]
