"""Benchmark the crawler against a naive sequential BFS on generated loopback sites.

Run: .venv/bin/python bench/crawl.py [--pages 200] [--min-latency-ms 50] [--max-latency-ms 100]

Part 1: a 220+-page site, 50–100 ms latency per request (threaded server), its contact
page three links deep (/ → /about → /about/offices → /about/offices/contact). Reported:
pages/s for SiteCrawler at per-host concurrency 1, 2 and 4 and for the baseline, and the
requests each spends until every address on the site has been found.

Part 2: the cost of the default budgets (the app's own defaults, see scrapersky/config.py)
on a generated 40-page company site and on the same site grown to 300 pages: contact,
imprint and privacy pages, a team listing over three pages, news with /page/2/, a page
four links deep, a page only its sitemap lists (a sitemap index with a .xml.gz child), a
robots-disallowed /private/ page. Reported per site: pages fetched, requests, seconds,
whether every page was reached, the addresses found, and the seconds of a sequential BFS
fetching the same number of pages in the same run (ratio < 1: the crawler is faster).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawl_sites import (  # noqa: E402 (bench/ is on sys.path when run as a script)
    ADDRESSES,
    COMPANY_ADDRESSES,
    DOMAIN,
    PRIVATE_PAGE,
    bench_routes,
    build_site,
    company_pages,
    company_routes,
    serve,
)

from scrapersky.config import SETTINGS  # noqa: E402
from scrapersky.scraping.crawling import CrawlLimits, SiteCrawler  # noqa: E402
from scrapersky.scraping.emails import analyse_html  # noqa: E402
from scrapersky.scraping.fetching import build_session  # noqa: E402
from scrapersky.tasks.email_scraper import crawl_limits  # noqa: E402

USER_AGENT = "ScraperSkyBench/1.0 (+https://scrapersky.example/bot)"
def run_crawler(base: str, concurrency: int, max_pages: int) -> dict:
    """Crawl with SiteCrawler; return pages, seconds and requests until all addresses."""
    session = build_session(user_agent=USER_AGENT, allow_private_networks=True,
                            pool_maxsize=max(4, concurrency))
    limits = CrawlLimits(max_pages=max_pages, max_depth=10, wall_time_seconds=300,
                         per_host_concurrency=concurrency, max_total_bytes=200_000_000)
    crawler = SiteCrawler(session, base + "/", limits, user_agent=USER_AGENT,
                          analyser=analyse_html)
    found, requests_until_found, pages = set(), None, 0
    started = time.monotonic()
    for page in crawler.crawl():
        pages += 1
        found |= {finding.email for finding in page.findings}
        if requests_until_found is None and ADDRESSES <= found:
            requests_until_found = crawler.stats.requests
    seconds = time.monotonic() - started
    session.close()
    return {"pages": pages, "seconds": seconds, "requests_until_found": requests_until_found,
            "requests": crawler.stats.requests}


def run_baseline(base: str, max_pages: int, addresses: frozenset[str] = ADDRESSES) -> dict:
    """Naive sequential BFS with requests and the same link extraction.

    Timed over the first max_pages pages; it then goes on until every address is found.
    """
    session = requests.Session()
    queue, seen = deque([base + "/"]), {base + "/"}
    found, requests_until_found, pages, seconds = set(), None, 0, None
    started = time.monotonic()
    while queue and (pages < max_pages or (addresses and requests_until_found is None)):
        url = queue.popleft()
        response = session.get(url, timeout=10)
        pages += 1
        analysis = analyse_html(response.text, url, DOMAIN)
        found |= {finding.email for finding in analysis.findings}
        if requests_until_found is None and addresses <= found:
            requests_until_found = pages
        if pages == max_pages:
            seconds = time.monotonic() - started
        for link in analysis.links:
            if urlsplit(link.url).netloc == urlsplit(base).netloc and link.url not in seen:
                seen.add(link.url)
                queue.append(link.url)
    session.close()
    timed_pages = min(pages, max_pages)
    return {"pages": timed_pages, "seconds": seconds or time.monotonic() - started,
            "requests_until_found": requests_until_found, "requests": timed_pages}


def _row(name: str, result: dict) -> str:
    rate = result["pages"] / result["seconds"]
    return (f"{name:<34} {result['pages']:>5} {result['seconds']:>8.2f} {rate:>8.1f} "
            f"{result['requests']:>8} {result['requests_until_found'] or '-':>12}")


def run_budget(base: str, limits: CrawlLimits, html_paths: set[str]) -> dict:
    """Crawl a company site within limits; return its cost and what it reached."""
    session = build_session(user_agent=USER_AGENT, allow_private_networks=True)
    crawler = SiteCrawler(session, base + "/", limits, user_agent=USER_AGENT,
                          analyser=analyse_html)
    started = time.monotonic()
    pages = list(crawler.crawl())
    seconds = time.monotonic() - started
    session.close()
    reached = {urlsplit(page.final_url).path for page in pages if page.error is None}
    return {"pages": len(pages), "requests": crawler.stats.requests, "seconds": seconds,
            "reached": len(reached & html_paths), "found": {finding.email for page in pages
                                                           for finding in page.findings}}


def main() -> None:
    """Run every variant against the same generated sites and print tables and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--min-latency-ms", type=int, default=50)
    parser.add_argument("--max-latency-ms", type=int, default=100)
    args = parser.parse_args()
    latency = (args.min_latency_ms, args.max_latency_ms)
    compare_with_bfs(latency, args.pages)
    cost_of_default_budgets(latency)


def compare_with_bfs(latency: tuple[int, int], max_pages: int) -> None:
    """Part 1: throughput and requests until every address, against a sequential BFS."""
    pages = build_site()
    print(f"site: {len(pages)} pages, latency {latency[0]}-{latency[1]} ms per request, "
          f"contact page at depth 3; crawl budget {max_pages} pages")
    print(f"{'variant':<34} {'pages':>5} {'seconds':>8} {'pages/s':>8} {'requests':>8} "
          f"{'req→all@':>12}")
    results = {}
    with serve(bench_routes(pages, sitemap=True), latency) as (base, _):
        results["baseline"] = run_baseline(base, max_pages)
        print(_row("baseline: sequential BFS", results["baseline"]))
        for concurrency in (1, 2, 4):
            results[concurrency] = run_crawler(base, concurrency, max_pages)
            print(_row(f"SiteCrawler concurrency {concurrency}", results[concurrency]))
    with serve(bench_routes(pages, sitemap=False), latency) as (base, _):
        results["links"] = run_crawler(base, 1, max_pages)
        print(_row("SiteCrawler c=1, no sitemap", results["links"]))
    _print_ratios(results)


def cost_of_default_budgets(latency: tuple[int, int]) -> None:
    """Part 2: pages, requests and seconds per site with the default budgets."""
    defaults = crawl_limits({name: default for name, (default, _) in SETTINGS.items()})
    old = CrawlLimits(**{**vars(defaults), "max_pages": 25, "max_depth": 3})
    print(f"\ndefault budgets: {defaults.max_pages} pages, depth {defaults.max_depth}, "
          f"per-host concurrency {defaults.per_host_concurrency}; latency {latency[0]}-"
          f"{latency[1]} ms")
    print(f"{'site, budget':<30} {'fetched':>7} {'requests':>8} {'seconds':>7} "
          f"{'reached':>11} {'addresses':>9} {'private':>7} {'BFS s':>6} {'ratio':>6}")
    for products, limits, name in ((0, defaults, "40 pages, defaults"),
                                   (0, old, "40 pages, 25 pages/depth 3"),
                                   (260, defaults, "300 pages, defaults")):
        pages = company_pages(products)
        html_paths = set(pages) - {PRIVATE_PAGE}
        with serve(company_routes(pages), latency) as (base, asked):
            result = run_budget(base, limits, html_paths)
            private = sum(path.startswith("/private/") for path in asked)
            bfs = run_baseline(base, result["pages"], frozenset())["seconds"]
        reached = f"{result['reached']}/{len(html_paths)} " + \
            ("all" if result["reached"] == len(html_paths) else "")
        found = f"{len(result['found'] & COMPANY_ADDRESSES)}/{len(COMPANY_ADDRESSES)}"
        print(f"{name:<30} {result['pages']:>7} {result['requests']:>8} "
              f"{result['seconds']:>7.2f} {reached:>11} {found:>9} {private:>7} {bfs:>6.2f} "
              f"{result['seconds'] / bfs:>5.2f}x")


def _print_ratios(results: dict) -> None:
    base_rate = results["baseline"]["pages"] / results["baseline"]["seconds"]
    for concurrency in (1, 2, 4):
        rate = results[concurrency]["pages"] / results[concurrency]["seconds"]
        print(f"pages/s ratio, concurrency {concurrency} vs baseline: {rate / base_rate:.2f}x")
    bfs = results["baseline"]["requests_until_found"]
    for key, name in ((1, "contact-first (sitemap + links)"), ("links", "contact-first (links)")):
        ours = results[key]["requests_until_found"]
        if ours and bfs:
            print(f"requests until every address, {name}: {ours} vs BFS {bfs} "
                  f"({bfs / ours:.1f}x fewer)")
        else:
            print(f"requests until every address, {name}: {ours} vs BFS {bfs} (not all found)")


if __name__ == "__main__":
    main()
