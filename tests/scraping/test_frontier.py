"""The crawl frontier: what it queues, in which order, and what it turns away."""

from __future__ import annotations

from scrapersky.scraping.crawl_model import CrawlStats
from scrapersky.scraping.frontier import MAX_QUERY_VARIANTS_PER_PATH, Frontier

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
    for page in range(MAX_QUERY_VARIANTS_PER_PATH + 3):
        frontier.add_link(f"https://acme.dev/events?page={page}", 1)
    assert len(drain(frontier)) == MAX_QUERY_VARIANTS_PER_PATH
    assert frontier.stats.skipped == 3


def test_disallowed_urls_are_skipped_when_popped():
    frontier = new_frontier()
    frontier.add_link("https://acme.dev/private", 1)
    frontier.add_link("https://acme.dev/public", 1)
    assert frontier.pop_allowed(lambda url: "private" not in url).url == "https://acme.dev/public"
    assert frontier.stats.skipped == 1 and frontier.stats.queued == 0
