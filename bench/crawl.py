"""Benchmark the crawler against a naive sequential BFS on a generated loopback site.

Run: .venv/bin/python bench/crawl.py [--pages 200] [--min-latency-ms 50] [--max-latency-ms 100]

The site has 220+ pages, 50–100 ms latency per request (threaded server), and its contact
page three links deep (/ → /about → /about/offices → /about/offices/contact). Reported:
pages/s for SiteCrawler at per-host concurrency 1, 2 and 4 and for the baseline, and the
requests each spends until every address on the site has been found.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapersky.scraping.crawling import CrawlLimits, SiteCrawler  # noqa: E402
from scrapersky.scraping.emails import analyse_html  # noqa: E402
from scrapersky.scraping.fetching import build_session  # noqa: E402

USER_AGENT = "ScraperSkyBench/1.0 (+https://scrapersky.example/bot)"
DOMAIN = "acme-bench.com"
ADDRESSES = frozenset({f"info@{DOMAIN}", f"sales@{DOMAIN}", f"maria.schulz@{DOMAIN}"})
SECTIONS = ("products", "services", "news", "blog", "events", "careers", "partners")
ITEMS_PER_SECTION = 30


def _html(links: list[tuple[str, str]], body: str = "") -> str:
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f"<!doctype html><html><head><title>Acme</title></head><body>{body}"
            f"<ul>{anchors}</ul><footer>Acme Ltd, Main Street 1</footer></body></html>")


def build_site() -> dict[str, str]:
    """Return path -> HTML of the generated site (plus robots.txt and sitemap.xml)."""
    pages = {"/": _html([(f"/{s}", s.title()) for s in SECTIONS] + [("/about", "About us")],
                        body=f"<p>Questions? info@{DOMAIN}</p>")}
    for section in SECTIONS:
        items = [(f"/{section}/item-{i}", f"{section} item {i}") for i in range(ITEMS_PER_SECTION)]
        pages[f"/{section}"] = _html(items + [("/", "Home")])
        for i in range(ITEMS_PER_SECTION):
            siblings = [(f"/{section}/item-{(i + k) % ITEMS_PER_SECTION}", "More")
                        for k in (1, 2, 3)]
            pages[f"/{section}/item-{i}"] = _html(siblings + [(f"/{section}", "Back")],
                                                  body="<p>Lorem ipsum dolor sit amet.</p>" * 20)
    pages["/about"] = _html([("/about/history", "History"), ("/about/offices", "Our offices"),
                             ("/about/press", "Press")])
    pages["/about/history"] = _html([("/about", "Back")], body="<p>Founded 1901.</p>")
    pages["/about/press"] = _html([("/about", "Back")], body="<p>Press kit.</p>")
    pages["/about/offices"] = _html([("/about/offices/berlin", "Berlin"),
                                     ("/about/offices/contact", "Contact")])
    pages["/about/offices/berlin"] = _html([("/about/offices", "Back")])
    pages["/about/offices/contact"] = _html([("/", "Home")], body=(
        f"<p>Sales: sales@{DOMAIN}</p><p>Maria Schulz: maria.schulz@{DOMAIN}</p>"))
    return pages


@contextmanager
def serve(pages: dict[str, str], latency_ms: tuple[int, int], sitemap: bool) -> Iterator[str]:
    """Serve the site on loopback with random per-request latency; yield its base URL."""
    rng, lock = random.Random(7), threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            with lock:
                delay = rng.uniform(*latency_ms) / 1000
            time.sleep(delay)
            path = self.path.split("?", 1)[0]
            status, content_type, body = 200, "text/html; charset=utf-8", pages.get(path)
            if path == "/robots.txt":
                content_type = "text/plain"
                body = "User-agent: *\nAllow: /\n" + (f"Sitemap: {base}/sitemap.xml\n" if sitemap
                                                      else "")
            elif path == "/sitemap.xml" and sitemap:
                content_type = "application/xml"
                body = "<urlset>" + "".join(f"<url><loc>{base}{p}</loc></url>" for p in pages) \
                    + "</urlset>"
            if body is None:
                status, body = 404, "<h1>Not found</h1>"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def run_crawler(base: str, concurrency: int, max_pages: int) -> dict:
    """Crawl with SiteCrawler; return pages, seconds and requests until all addresses."""
    session = build_session(user_agent=USER_AGENT, allow_private_networks=True,
                            pool_maxsize=max(4, concurrency))
    limits = CrawlLimits(max_pages=max_pages, max_depth=10, wall_time_seconds=300,
                         per_host_concurrency=concurrency, max_total_bytes=200_000_000)
    crawler = SiteCrawler(session, base + "/", limits, user_agent=USER_AGENT)
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


def run_baseline(base: str, max_pages: int) -> dict:
    """Naive sequential BFS with requests and the same link extraction.

    Timed over the first max_pages pages; it then goes on until every address is found.
    """
    session = requests.Session()
    queue, seen = deque([base + "/"]), {base + "/"}
    found, requests_until_found, pages, seconds = set(), None, 0, None
    started = time.monotonic()
    while queue and (pages < max_pages or requests_until_found is None):
        url = queue.popleft()
        response = session.get(url, timeout=10)
        pages += 1
        analysis = analyse_html(response.text, url, DOMAIN)
        found |= {finding.email for finding in analysis.findings}
        if requests_until_found is None and ADDRESSES <= found:
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


def main() -> None:
    """Run every variant against the same generated site and print a table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--min-latency-ms", type=int, default=50)
    parser.add_argument("--max-latency-ms", type=int, default=100)
    args = parser.parse_args()
    pages = build_site()
    latency = (args.min_latency_ms, args.max_latency_ms)
    print(f"site: {len(pages)} pages, latency {latency[0]}-{latency[1]} ms per request, "
          f"contact page at depth 3; crawl budget {args.pages} pages")
    print(f"{'variant':<34} {'pages':>5} {'seconds':>8} {'pages/s':>8} {'requests':>8} "
          f"{'req→all@':>12}")
    results = {}
    with serve(pages, latency, sitemap=True) as base:
        results["baseline"] = run_baseline(base, args.pages)
        print(_row("baseline: sequential BFS", results["baseline"]))
        for concurrency in (1, 2, 4):
            results[concurrency] = run_crawler(base, concurrency, args.pages)
            print(_row(f"SiteCrawler concurrency {concurrency}", results[concurrency]))
    with serve(pages, latency, sitemap=False) as base:
        results["links"] = run_crawler(base, 1, args.pages)
        print(_row("SiteCrawler c=1, no sitemap", results["links"]))
    _print_ratios(results)


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
