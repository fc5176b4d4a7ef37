"""The crawl frontier: what it queues, in which order, and what it turns away."""

from __future__ import annotations

import time

from scrapersky.scraping.crawl_model import CrawlStats
from scrapersky.scraping.emails import Link
from scrapersky.scraping.frontier import (
    MAX_PAGES_PER_LISTING,
    MAX_QUERY_VARIANTS_PER_PATH,
    CrawlTask,
    Frontier,
)
from scrapersky.scraping.urls import PEOPLE_SCORE

SITE = "https://acme.dev/"


def new_frontier(max_depth: int = 3) -> Frontier:
    return Frontier(SITE, CrawlStats(), max_depth=max_depth, include_subdomains=False)


def drain(frontier: Frontier) -> list[str]:
    urls = []
    while (task := frontier.pop_allowed(lambda _url: True)) is not None:
        urls.append(task.url)
    return urls


def test_contact_pages_come_out_first_by_url_or_anchor_text():
    frontier = new_frontier()
    frontier.add_link("https://acme.dev/blog", 1, "Blog")
    frontier.add_link("https://acme.dev/x17", 1, "Kontakt")
    frontier.add_link("https://acme.dev/contact-us", 2, "")
    assert drain(frontier) == ["https://acme.dev/x17", "https://acme.dev/contact-us",
                               "https://acme.dev/blog"]


def test_each_url_is_queued_once_and_anchor_text_is_read_only_for_new_ones():
    frontier = new_frontier()
    reads = []

    def text() -> str:
        reads.append(1)
        return "About"

    for _ in range(3):
        frontier.add_link("https://acme.dev/about#team", 1, text)
    frontier.add_link("https://elsewhere.dev/contact", 1, text)
    assert drain(frontier) == ["https://acme.dev/about"]
    assert len(reads) == 1


def test_off_site_too_deep_and_query_traps_are_turned_away():
    frontier = new_frontier(max_depth=2)
    frontier.add_link("https://acme.dev/deep", 3)
    for month in range(MAX_QUERY_VARIANTS_PER_PATH + 3):
        frontier.add_link(f"https://acme.dev/events?month={month}", 1)
    assert len(drain(frontier)) == MAX_QUERY_VARIANTS_PER_PATH
    assert frontier.stats.skipped == 3


def test_disallowed_urls_are_skipped_when_popped():
    frontier = new_frontier()
    frontier.add_link("https://acme.dev/private", 1)
    frontier.add_link("https://acme.dev/public", 1)
    assert frontier.pop_allowed(lambda url: "private" not in url).url == "https://acme.dev/public"
    assert frontier.stats.skipped == 1 and frontier.stats.queued == 0


def test_skipping_disallowed_urls_stops_at_the_deadline():
    frontier = new_frontier()
    for n in range(100):
        frontier.add_link(f"https://acme.dev/p{n}", 1)
    checked = []

    def is_allowed(url: str) -> bool:
        checked.append(url)
        return False

    assert frontier.pop_allowed(is_allowed, deadline=time.monotonic() - 1) is None
    assert checked == [] and frontier.stats.queued == 100
    assert frontier.pop_allowed(is_allowed, deadline=time.monotonic() + 60) is None
    assert len(checked) == 100 and frontier.stats.skipped == 100


def test_next_pages_of_a_listing_keep_its_depth_and_score():
    frontier = new_frontier(max_depth=2)
    # /x17 was linked as "Our people": its page 2 is as promising, whatever its URL says.
    people = CrawlTask("https://acme.dev/x17", 2, score=PEOPLE_SCORE)
    frontier.add_links(people, people.url, [Link("https://acme.dev/x17?page=2", "2"),
                                            Link("https://acme.dev/x17/anna", "Anna")])
    task = frontier.pop_allowed(lambda _url: True)
    assert (task.url, task.depth, task.score) == ("https://acme.dev/x17?page=2", 2, PEOPLE_SCORE)
    assert drain(frontier) == []  # /x17/anna would be depth 3


def test_a_listing_is_followed_for_a_bounded_number_of_pages():
    frontier = new_frontier()
    news = CrawlTask("https://acme.dev/news", 1)
    links = [Link(f"https://acme.dev/news/page/{n}/", "Next") for n in range(2, 30)]
    frontier.add_links(news, news.url, links)
    assert len(drain(frontier)) == MAX_PAGES_PER_LISTING
    assert frontier.stats.skipped == 28 - MAX_PAGES_PER_LISTING
