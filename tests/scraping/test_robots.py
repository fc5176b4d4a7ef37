"""robots.txt: disallowed paths are never requested, not even through a redirect; sitemaps
and delays obeyed; what a hostile robots.txt can cost is bounded."""

from __future__ import annotations

import string
import time

import pytest
import requests

from scrapersky.config import DEFAULT_USER_AGENT
from scrapersky.scraping.crawling import StartPageError
from scrapersky.scraping.robots import MAX_LISTED_SITEMAPS, parse_robots
from scrapersky.scraping.robots_bounds import (
    MAX_RULE_CHARS,
    MAX_RULES_PER_AGENT,
    MAX_WILDCARDS_PER_RULE,
)
from tests.scraping.conftest import USER_AGENT, LoopbackSite, crawl, emails, html_page, paths

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


def test_a_redirect_into_a_disallowed_path_is_not_followed(
        session: requests.Session, site: LoopbackSite) -> None:
    site.page("/robots.txt", ROBOTS, content_type="text/plain")
    site.page("/", html_page("/old|Team"))
    site.page("/old", "", status=301, Location="/private/x")
    site.page("/private/x", html_page("/private/more|More", body="hidden@acme.com"))
    crawler, pages = crawl(session, site.url("/"))
    assert [page.url for page in pages] == [site.url("/")]
    assert emails(pages) == set() and crawler.stats.skipped == 1
    assert site.requests == ["/robots.txt", "/", "/sitemap.xml", "/old"]


def test_a_start_page_redirecting_into_a_disallowed_path_is_refused(
        session: requests.Session, site: LoopbackSite) -> None:
    site.page("/robots.txt", ROBOTS, content_type="text/plain")
    site.page("/", "", status=301, Location="/old")
    site.page("/old", "", status=301, Location="/private/x")
    site.page("/private/x", html_page(body="hidden@acme.com"))
    with pytest.raises(StartPageError, match=f"^{site.url('/old')} redirects to "
                       f"{site.url('/private/x')}, which robots.txt disallows$") as caught:
        crawl(session, site.url("/"))
    assert caught.value.reason == "robots"
    assert site.requests == ["/robots.txt", "/", "/old"]


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


def test_a_group_for_another_bot_named_in_our_user_agent_is_not_ours() -> None:
    # Our User-Agent header mentions github.com and robots.txt; only its product token counts.
    rules = parse_robots(200, "User-agent: GitHub\nDisallow: /\n\nUser-agent: robots\n"
                         "Disallow: /\n\nUser-agent: *\nDisallow: /private/\n", "https://a.dev/")
    assert rules.can_fetch("https://a.dev/team", DEFAULT_USER_AGENT)
    assert not rules.can_fetch("https://a.dev/private/x", DEFAULT_USER_AGENT)
    ours = parse_robots(200, "User-agent: ScraperSkyEmailScanner/0.1\nDisallow: /\n",
                        "https://a.dev/")
    assert not ours.can_fetch("https://a.dev/team", DEFAULT_USER_AGENT)


def test_rules_past_the_cap_of_a_user_agent_are_not_read() -> None:
    lines = [f"Disallow: /r{n}/" for n in range(MAX_RULES_PER_AGENT + 1)]
    # The same agent again, in a group shared with another: still capped.
    text = "User-agent: *\n" + "\n".join(lines) + "\nUser-agent: other\nUser-agent: *\n" \
        "Disallow: /late/\n"
    rules = parse_robots(200, text, "https://a.dev/robots.txt")
    last = MAX_RULES_PER_AGENT - 1
    assert not rules.can_fetch(f"https://a.dev/r{last}/x", USER_AGENT)
    assert rules.can_fetch(f"https://a.dev/r{last + 1}/x", USER_AGENT)
    assert rules.can_fetch("https://a.dev/late/x", USER_AGENT)


def test_a_wilder_disallow_is_cut_to_disallow_more_and_such_an_allow_dropped() -> None:
    stars = "*".join("abcdefghijklmnop")
    long_tail = "x" * MAX_RULE_CHARS
    text = (f"User-agent: *\nDisallow: /*{stars}\nDisallow: /docs/{long_tail}\n"
            f"Allow: /*{stars}*public\nDisallow: /shop/\nAllow: /shop/{long_tail}\n")
    rules = parse_robots(200, text, "https://a.dev/robots.txt")
    cut_after = "-".join("abcdefgh"[:MAX_WILDCARDS_PER_RULE])
    assert not rules.can_fetch(f"https://a.dev/{cut_after}", USER_AGENT)
    assert not rules.can_fetch(f"https://a.dev/{cut_after}-public", USER_AGENT)
    assert not rules.can_fetch("https://a.dev/docs/" + long_tail[6:] + "-v2", USER_AGENT)
    assert not rules.can_fetch(f"https://a.dev/shop/{long_tail}", USER_AGENT)
    assert rules.can_fetch("https://a.dev/a-b-c", USER_AGENT)


def hostile_robots(links: int) -> tuple[str, str]:
    """Return a 490 KB robots.txt of wildcard rules that each link matches up to the last
    part, its shortest rule disallowing every link; and a page of that many links."""
    letters = string.ascii_lowercase[:MAX_WILDCARDS_PER_RULE - 1]
    rules, number = ["User-agent: *", "Disallow: /*-p-"], 0
    while sum(map(len, rules)) < 490_000:
        rules.append("Disallow: /*" + "*".join(letters) + f"*z{number:x}")
        number += 1
    word = "-".join(letters)
    return "\n".join(rules), html_page(*(f"/{word}-p-{n}" for n in range(links)))


def test_a_hostile_robots_txt_costs_little_cpu(session: requests.Session,
                                               site: LoopbackSite) -> None:
    robots, home = hostile_robots(2_000)
    site.page("/robots.txt", robots, content_type="text/plain")
    site.page("/", home)
    started = time.process_time()
    crawler, pages = crawl(session, site.url("/"))
    assert time.process_time() - started < 3  # 30 s without the bounds and the cache
    assert paths(site) == ["/"] and len(pages) == 1
    assert crawler.stats.skipped == 2_000
