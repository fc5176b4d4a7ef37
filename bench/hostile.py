"""Benchmark what a hostile site costs one scan: wall time, CPU, peak memory, pages.

Run: .venv/bin/python bench/hostile.py [--only NAME]

Each case serves a loopback site built to cost the scanner, then runs one scan of it
through the task code, as a process of its own (`flask --app app scan URL --json`, SQLite in
a temp instance folder, `EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS=true`, every other setting at its
default), and prints one line: wall seconds, CPU seconds (user + system of that process,
start-up included), peak RSS, pages fetched, and the case's CPU target.

Cases (one function each, listed in CASES):
  robots  a 490 KB robots.txt of 15,450 wildcard rules (`Disallow: /*a*b*c*d*e*f*g*z1f`,
          eight wildcards each: as wild as a rule may be without being cut) and a start page
          with 2,000 links. Each link matches every rule up to its last part, and the
          shortest rule (first in the file, tried last) disallows it: every link is matched
          against every rule read (issue 13, point 4: 35.5 s of CPU for one page; target
          < 5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sites import PageSpec, serve_site  # noqa: E402

FLASK = Path(sys.executable).parent / "flask"
SCAN_TIMEOUT_SECONDS = 600
ROBOTS_BYTES = 490_000
ROBOTS_LINKS = 2_000
ROBOTS_LETTERS = string.ascii_lowercase[:7]


@dataclass
class Case:
    """A hostile site: its pages, and the CPU seconds one scan of it may cost."""

    pages: Callable[[], dict[str, PageSpec]]
    cpu_target_seconds: float


@dataclass
class Measure:
    """What one scan cost."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    pages: int
    status: str


def robots_pages() -> dict[str, PageSpec]:
    """Return a site whose robots.txt makes matching each link as slow as it can be."""
    # The shortest rule is tried last; each long one matches a link up to its last part.
    rules = ["User-agent: *", "Disallow: /*-p-"]
    size, number = 0, 0
    while size < ROBOTS_BYTES:
        rule = "Disallow: /*" + "*".join(ROBOTS_LETTERS) + f"*z{number:x}"
        rules.append(rule)
        size += len(rule) + 1
        number += 1
    word = "-".join(ROBOTS_LETTERS)
    links = "".join(f'<a href="/{word}-p-{n}">page {n}</a>\n' for n in range(ROBOTS_LINKS))
    home = f"<!doctype html><title>Home</title><p>Write to info@acme.dev</p>{links}"
    return {"/robots.txt": ("text/plain", "\n".join(rules) + "\n"), "/": ("text/html", home)}


CASES: dict[str, Case] = {
    "robots": Case(robots_pages, cpu_target_seconds=5.0),
}


def scan_env(instance: Path) -> dict[str, str]:
    """Return the scan process's environment: a temp instance folder, loopback allowed."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPERSKY_INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
            "EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS": "true", "EMAIL_SCAN_SCHEDULER_ENABLED": "false",
            "LOG_LEVEL": "WARNING"}


def run_scan(url: str, instance: Path) -> Measure:
    """Run `flask scan URL --json` in a fresh database; return what that process cost."""
    env = scan_env(instance)
    subprocess.run([str(FLASK), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    output = instance / "scan.json"
    with output.open("wb") as stdout, open(os.devnull, "wb") as devnull:
        started = time.monotonic()
        process = subprocess.Popen([str(FLASK), "--app", "app", "scan", url, "--json"],
                                   cwd=ROOT, env=env, stdout=stdout, stderr=devnull)
        _, _, usage = os.wait4(process.pid, 0)  # this process's own CPU and peak RSS
        wall = time.monotonic() - started
        process.returncode = 0  # reaped by wait4 above
    result = json.loads(output.read_text() or "{}")
    return Measure(wall_seconds=wall, cpu_seconds=usage.ru_utime + usage.ru_stime,
                   peak_rss_mb=usage.ru_maxrss / 1024, pages=result.get("pages_scanned", 0),
                   status=result.get("status", "no output"))


def run_case(name: str, case: Case) -> str:
    """Serve the case's site, scan it once, return the report line."""
    with serve_site(case.pages()) as site, \
            tempfile.TemporaryDirectory(prefix=f"bench-hostile-{name}-") as tmp:
        measure = run_scan(site.url, Path(tmp))
    verdict = "ok" if measure.cpu_seconds < case.cpu_target_seconds else "OVER TARGET"
    return (f"{name}: wall {measure.wall_seconds:.2f} s, CPU {measure.cpu_seconds:.2f} s "
            f"(target < {case.cpu_target_seconds:g} s: {verdict}), peak RSS "
            f"{measure.peak_rss_mb:.0f} MB, pages fetched {measure.pages}, job {measure.status}")


def main() -> None:
    """Run every case, or the one named by --only."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CASES), help="run this case only")
    args = parser.parse_args()
    for name, case in CASES.items():
        if args.only in (None, name):
            print(run_case(name, case), flush=True)


if __name__ == "__main__":
    main()
