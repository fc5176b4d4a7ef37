"""Throughput of the full per-page extraction against a bare parse and PyPI peers.

Usage: python bench/extract_speed.py --corpus DIR [--peer-python /tmp/benchenv/bin/python]
Ours and the bare parses run in this process (best of --repeat runs per page). The ratio's
baseline is the like-for-like bare parse: the same decoded ``str`` the scanner passes to
``analyse_html``, parsed by the extractor's own ``parse_html`` (UTF-8 encode, then libxml2
with the extractor's parser settings), so it costs exactly what our parse step costs. Each
peer page runs in its own subprocess of --peer-python under --page-timeout, because some
peer regexes backtrack for minutes on one page; a peer that is not importable is skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lxml.html  # noqa: E402
from lxml import etree  # noqa: E402

from scrapersky.scraping.emails import analyse_html  # noqa: E402
from scrapersky.scraping.emails.page import parse_html  # noqa: E402

BARE_PARSER = etree.HTMLParser(encoding="utf-8")
PEERS = {
    "email-scraper": "from email_scraper import scrape_emails as run",
    "extract-emails": "from extract_emails.data_extractors import EmailExtractor\n"
    "run = EmailExtractor().get_data",
    "extract-emails-advanced": "from extract_emails.data_extractors import AdvancedEmailExtractor\n"
    "run = AdvancedEmailExtractor().get_data",
}
PEER_WORKER = """
import sys, time
{setup}
html = open(sys.argv[1], encoding="utf-8", errors="replace").read()
run(html[:1000])
start = time.perf_counter()
run(html)
print(time.perf_counter() - start)
"""


def time_in_process(
    function: Callable[[str], object], pages: list[str], repeat: int
) -> list[float]:
    """Return the best-of-repeat seconds per page for function, after one warm-up pass."""
    for html in pages:
        function(html)  # so that whichever contender runs first is not the one timed cold
    times = []
    for html in pages:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            function(html)
            best = min(best, time.perf_counter() - start)
        times.append(best)
    return times


def time_peer(
    setup: str, paths: list[Path], python: str, timeout: float
) -> tuple[list[float], int]:
    """Return per-page seconds of a peer (timeouts count as the limit) and the timeout count."""
    times, timeouts = [], 0
    for path in paths:
        try:
            result = subprocess.run(
                [python, "-c", PEER_WORKER.format(setup=setup), str(path)],
                capture_output=True, text=True, timeout=timeout + 10, check=True,
            )
            seconds = float(result.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            seconds = timeout
        if seconds >= timeout:
            seconds, timeouts = timeout, timeouts + 1
        times.append(seconds)
    return times, timeouts


def peer_available(setup: str, python: str) -> bool:
    """Tell whether a peer imports in the peer interpreter."""
    try:
        subprocess.run([python, "-c", setup], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def describe(name: str, times: list[float], total_bytes: int, names: list[str]) -> float:
    """Print one result line and return the throughput in MB/s."""
    throughput = total_bytes / sum(times) / 1e6
    median = statistics.median(times)
    worst = max(range(len(times)), key=times.__getitem__)
    print(
        f"{name:26s} {throughput:8.2f} MB/s  median {median * 1000:7.2f} ms  "
        f"worst {times[worst] * 1000:9.2f} ms ({names[worst]})  "
        f"worst/median {times[worst] / median:5.1f}"
    )
    return throughput


def report_worst_cases(pages: list[str]) -> None:
    """Print the time of adversarial inputs (target < 100 ms) and a 1.3 MB page (< 0.5 s)."""
    big_page = "".join(pages)[:1_300_000]
    cases = {
        "'x' + '.a'*50000 + '@'": "x" + ".a" * 50000 + "@",
        "'a@' + 'a-'*50000 + '!'": "a@" + "a-" * 50000 + "!",
        "'@'*200000": "@" * 200000,
        "1.3 MB page": big_page,
    }
    for label, payload in cases.items():
        seconds = min(time_in_process(analyse_html, [payload], 3))
        print(f"worst-case {label:26s} {seconds * 1000:8.1f} ms")


def main(argv: list[str] | None = None) -> int:
    """Run every contender over the corpus and print throughputs and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--peer-python", default="/tmp/benchenv/bin/python")
    parser.add_argument("--page-timeout", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    paths = sorted(args.corpus.glob("*.html"))
    pages = [path.read_text(encoding="utf-8", errors="replace") for path in paths]
    names = [path.name for path in paths]
    total = sum(len(page.encode("utf-8")) for page in pages)
    print(f"corpus {args.corpus}: {len(pages)} pages, {total / 1e6:.2f} MB")

    def bare(html: str) -> object:
        return etree.fromstring(html.encode("utf-8", "replace"), BARE_PARSER)

    def ours(html: str) -> object:
        return analyse_html(html, "https://example.org/", "example.org")

    bare_times = time_in_process(parse_html, pages, args.repeat)
    bare_speed = describe("bare parse (ours, str)", bare_times, total, names)
    default_times = time_in_process(bare, pages, args.repeat)
    describe("bare parse (lxml default)", default_times, total, names)
    str_times = time_in_process(lxml.html.document_fromstring, pages, args.repeat)
    describe("bare lxml.html str parse", str_times, total, names)
    our_times = time_in_process(ours, pages, args.repeat)
    our_speed = describe("ours analyse_html", our_times, total, names)
    peer_speeds = {}
    for peer, setup in PEERS.items():
        if not peer_available(setup, args.peer_python):
            print(f"{peer:26s} skipped: not importable with {args.peer_python}")
            continue
        times, timeouts = time_peer(setup, paths, args.peer_python, args.page_timeout)
        peer_speeds[peer] = describe(peer, times, total, names)
        if timeouts:
            limit = f"{args.page_timeout:.0f} s"
            print(f"{'':26s} {timeouts} page(s) hit the {limit} limit (counted at the limit)")
    report_worst_cases(pages)
    worst_ratio = max(our_times) / statistics.median(our_times)
    # The "extraction must not cost more than the parse": parse time over the time
    # analyse_html spends beyond its own parse (>= 1.0 means extraction costs at most a parse).
    extraction_ratio = sum(bare_times) / max(sum(our_times) - sum(bare_times), 1e-9)
    summary = (
        f"ours/bare-parse {our_speed / bare_speed:.2f}x  "
        f"extraction-only/bare-parse {extraction_ratio:.2f}x  worst/median {worst_ratio:.1f}x"
    )
    if peer_speeds:
        fastest = max(peer_speeds, key=peer_speeds.__getitem__)
        summary += f"  ours/fastest-peer({fastest}) {our_speed / peer_speeds[fastest]:.1f}x"
    print("summary " + summary)
    peers = {name: round(speed, 2) for name, speed in peer_speeds.items()}
    result = {
        "ours_mb_s": round(our_speed, 2),
        "bare_mb_s": round(bare_speed, 2),
        "extraction_only_ratio": round(extraction_ratio, 2),
        "peers": peers,
    }
    print("json " + json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
