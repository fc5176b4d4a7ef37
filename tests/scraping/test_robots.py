"""robots.txt: disallowed paths are never requested nor collected, sitemaps and delays obeyed."""

from __future__ import annotations

import time

import pytest
import requests

from scrapersky.scraping.crawling import StartPageError
from scrapersky.scraping.robots import MAX_LISTED_SITEMAPS, parse_robots
from tests.scraping.conftest import USER_AGENT, LoopbackSite, crawl, emails, html_page

pytestmark = pytest.mark.usefixtures("no_probes")
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def test_a_directory_link_without_its_slash_is_not_requested(session: requests.Session,
                                                            site: LoopbackSite) -> None:
    site.page("/robots.txt", ROBOTS, content_type="text/plain")
    site.page("/", html_page("/private|Intranet", "/team|Team"))
    site.page("/private", "", status=301, Location="/private/")
    site.page("/private/", html_page(body="hidden@acme.com"))
    site.page("/team", html_page(body="team@acme.com"))
    _, pages = crawl(session, site.url("/"))
    assert emails(pages) == {"team@acme.com"}
    assert not [path for path in site.requests if path.startswith("/private")]


def test_a_page_redirecting_into_a_disallowed_path_is_not_collected(
        session: requests.Session, site: LoopbackSite) -> None:
    site.page("/robots.txt", ROBOTS, content_type="text/plain")
    site.page("/", html_page("/old-team|Team"))
    site.page("/old-team", "", status=301, Location="/private/team")
    site.page("/private/team", html_page("/private/more|More", body="hidden@acme.com"))
    crawler, pages = crawl(session, site.url("/"))
    assert [page.url for page in pages] == [site.url("/")]
    assert emails(pages) == set() and crawler.stats.skipped == 1
    assert "/private/more" not in site.requests


def test_a_start_page_redirecting_into_a_disallowed_path_is_refused(
        session: requests.Session, site: LoopbackSite) -> None:
    site.page("/robots.txt", ROBOTS, content_type="text/plain")
    site.page("/", "", status=302, Location="/private/home")
    site.page("/private/home", html_page(body="hidden@acme.com"))
    with pytest.raises(StartPageError, match="robots.txt disallows") as caught:
        crawl(session, site.url("/"))
    assert caught.value.reason == "robots"


def test_crawl_delay_spaces_sitemap_requests_too(session: requests.Session,
                                                 site: LoopbackSite) -> None:
    site.page("/robots.txt", f"User-agent: *\nCrawl-delay: 0.3\nSitemap: {site.url('/s.xml')}\n",
              content_type="text/plain")
    site.page("/", html_page())
    site.page("/s.xml", f"<urlset><url><loc>{site.url('/a')}</loc></url></urlset>",
              content_type="application/xml")
    site.page("/a", html_page())
    started = time.monotonic()
    crawl(session, site.url("/"))
    assert site.requests == ["/robots.txt", "/", "/s.xml", "/a"]
    assert time.monotonic() - started >= 0.6  # three requests after the first, 0.3 s apart


def test_rules_cover_a_directory_named_without_its_slash() -> None:
    rules = parse_robots(200, ROBOTS, "https://acme.dev/robots.txt")
    assert not rules.can_fetch("https://acme.dev/private", USER_AGENT)
    assert not rules.can_fetch("https://acme.dev/private/x", USER_AGENT)
    assert rules.can_fetch("https://acme.dev/private-label", USER_AGENT)
    assert rules.can_fetch("https://acme.dev/", USER_AGENT)


def test_listed_sitemaps_are_absolute_and_bounded() -> None:
    lines = "".join(f"Sitemap: /s{n}.xml\n" for n in range(50))
    rules = parse_robots(200, ROBOTS + lines, "https://acme.dev/robots.txt")
    assert len(rules.sitemaps) == MAX_LISTED_SITEMAPS
    assert rules.sitemaps[0] == "https://acme.dev/s0.xml"
