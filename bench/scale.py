"""Scale-out on PostgreSQL: jobs per minute with 1, 2 and 4 `flask worker` processes.

Run: .venv/bin/python bench/scale.py [--jobs 200] [--workers 1 2 4] [--concurrency N]
        [--rounds 2] [--database-url postgresql://postgres@127.0.0.1:5432/test]

Loopback sites (threaded servers, several of them) answer every request after 50–100 ms;
each site has four linked pages with addresses, so a scan is robots.txt plus four pages,
two at a time. For each worker count the bench migrates a fresh PostgreSQL schema, starts
that many `flask --app app worker` processes (EMAIL_SCAN_CONCURRENCY at the shipped
default unless --concurrency says otherwise, polling every 0.6 s), waits until each has
started its scheduler, queues `--jobs` scans and waits until all have finished. Jobs per
minute = jobs / (last finished_at - first started_at), from the job rows. Each count runs
`--rounds` times, in reverse order every other round (1 2 4 4 2 1), so a change in the
machine's load hits every count alike. One line per run: jobs complete, attempts, distinct
claimers, mean scan seconds (constant if scaling were free), the span, jobs/min, the
workers' CPU per job and in cores, the bench process's CPU (site servers) and the load
average; then the mean jobs/min per count and its ratio to the first count.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_load import cpu_seconds  # noqa: E402
from scrapersky import create_app  # noqa: E402
from scrapersky.config import SETTINGS  # noqa: E402
from scrapersky.extensions import db  # noqa: E402
from scrapersky.models import Domain, Job  # noqa: E402
from tests.conftest import _postgres_schema  # noqa: E402
from tests.processes import (  # noqa: E402
    ProcessRunner,
    ServerProcess,
    flask_args,
    process_runner,
    server_env,
    wait_until,
)
from tests.sites import serve_site  # noqa: E402

LATENCY_SECONDS = (0.05, 0.10)
SITE_SERVERS = 16
BOOT_TIMEOUT_SECONDS = 60.0
RUN_TIMEOUT_SECONDS = 600.0
FINISHED = ("COMPLETE", "FAILED", "CANCELLED")


def site_pages() -> dict[str, tuple[str, str]]:
    """Return a small company site: home, contact, about and team pages."""
    links = '<a href="/contact">Contact</a> <a href="/about">About</a> <a href="/team">Team</a>'
    return {
        "/": ("text/html", f"<h1>Acme</h1><p>info@acme.dev</p>{links}"),
        "/contact": ("text/html", f"<p>Sales: sales@acme.dev</p>{links}"),
        "/about": ("text/html", f"<p>Press: press@acme.dev</p>{links}"),
        "/team": ("text/html", f"<p>Maria Lopez, maria.lopez@acme.dev</p>{links}"),
    }


def slow_request(_path: str) -> None:
    """Hold every request for 50–100 ms, as a remote site would."""
    time.sleep(random.uniform(*LATENCY_SECONDS))


@contextmanager
def migrated_schema(base_url: str, tmp: Path) -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema migrated by `flask db upgrade`; drop it
    afterwards."""
    schema = _postgres_schema(base_url)
    url = next(schema)
    try:
        subprocess.run(flask_args("db", "upgrade"), env=server_env(url, tmp / "migrate"),
                       check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
        yield url
    finally:
        schema.close()


def queue_jobs(url: str, site_urls: list[str], count: int) -> None:
    """Queue `count` scans of distinct sites in one transaction, so that every worker
    sees all of them from its next poll on (no trickle while they are inserted)."""
    app = create_app({"DATABASE_URL": url, "EMAIL_SCAN_SCHEDULER_ENABLED": False})
    with app.app_context():
        db.session.add_all(Job(domain=Domain(host=f"scale{n}.dev"), created_by="bench",
                               start_url=site_urls[n % len(site_urls)]) for n in range(count))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def job_summary(engine: sa.Engine) -> sa.Row:
    """Return counts, attempts and the first start and last finish of the jobs."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) AS jobs,"
            " count(*) FILTER (WHERE status IN ('COMPLETE', 'FAILED', 'CANCELLED')) AS finished,"
            " count(*) FILTER (WHERE status = 'COMPLETE') AS complete,"
            " coalesce(sum(attempts), 0) AS attempts, count(DISTINCT claimed_by) AS claimers,"
            " avg(extract(epoch FROM finished_at - started_at)) AS scan_seconds,"
            " min(started_at) AS first_start, max(finished_at) AS last_finish FROM job")).one()


def start_workers(runner: ProcessRunner, url: str, tmp: Path, count: int,
                  concurrency: int) -> list[ServerProcess]:
    """Start `count` workers, each its own host, and wait until every one polls."""
    workers = [runner.start(f"w{count}-{n}", flask_args("worker"), server_env(
        url, tmp / f"w{count}-{n}", EMAIL_SCAN_CONCURRENCY=str(concurrency))) for n in range(count)]

    def polling() -> bool:
        for worker in workers:
            assert worker.is_running(), worker.describe()
        return all("worker polling" in worker.stderr() for worker in workers)

    wait_until(polling, BOOT_TIMEOUT_SECONDS, f"{count} worker(s) to start")
    return workers


def run_once(base_url: str, site_urls: list[str], count: int, args: argparse.Namespace,
             tmp: Path) -> dict:
    """Run every job with `count` workers on a fresh schema; return the measurements."""
    with migrated_schema(base_url, tmp) as url, process_runner(tmp) as runner:
        workers = start_workers(runner, url, tmp, count, args.concurrency)
        engine = sa.create_engine(url)
        try:
            cpu_before = sum(cpu_seconds(worker.pid) for worker in workers)
            bench_cpu_before, started = time.process_time(), time.monotonic()
            queue_jobs(url, site_urls, args.jobs)

            def all_finished() -> sa.Row | None:
                for worker in workers:
                    assert worker.is_running(), worker.describe()
                summary = job_summary(engine)
                return summary if summary.finished == args.jobs else None

            summary = wait_until(all_finished, RUN_TIMEOUT_SECONDS, f"{args.jobs} jobs")
            wall = time.monotonic() - started
            worker_cpu = sum(cpu_seconds(worker.pid) for worker in workers) - cpu_before
            bench_cpu = time.process_time() - bench_cpu_before
        finally:
            engine.dispose()
    span = (summary.last_finish - summary.first_start).total_seconds()
    return {"workers": count, "summary": summary, "span": span, "wall": wall,
            "rate": args.jobs / span * 60, "worker_cpu": worker_cpu, "bench_cpu": bench_cpu,
            "load": os.getloadavg()[0]}


def print_row(result: dict) -> None:
    """Print one worker count's line."""
    summary = result["summary"]
    print(f"{result['workers']:>7} {summary.complete:>8} {summary.jobs - summary.complete:>6} "
          f"{summary.attempts:>8} {summary.claimers:>8} {summary.scan_seconds:>6.2f} "
          f"{result['span']:>6.1f} {result['rate']:>8.0f} "
          f"{result['worker_cpu'] * 1000 / summary.jobs:>10.0f} "
          f"{result['worker_cpu'] / result['wall']:>9.2f} {result['bench_cpu']:>8.1f} "
          f"{result['load']:>5.1f}", flush=True)


HEADER = (f"{'workers':>7} {'complete':>8} {'other':>6} {'attempts':>8} {'claimers':>8} "
          f"{'scan s':>6} {'span s':>6} {'jobs/min':>8} {'cpu ms/job':>10} {'cpu cores':>9} "
          f"{'site cpu':>8} {'load':>5}")


def worker_counts(args: argparse.Namespace) -> list[int]:
    """Return the runs in order: the counts, then reversed in every other round, so a
    drift in the machine's load hits every count alike."""
    rounds = [args.workers if n % 2 == 0 else args.workers[::-1] for n in range(args.rounds)]
    return [count for round_counts in rounds for count in round_counts]


def print_scaling(results: list[dict], workers: list[int]) -> None:
    """Print the mean jobs/min per worker count and each count's ratio to the first."""
    mean = {count: statistics.fmean(r["rate"] for r in results if r["workers"] == count)
            for count in workers}
    for count in workers:
        runs = " ".join(f"{r['rate']:.0f}" for r in results if r["workers"] == count)
        print(f"{count} worker(s): {mean[count]:.0f} jobs/min (runs: {runs}); "
              f"{mean[count] / mean[workers[0]]:.2f}x of {workers[0]}")


def main() -> None:
    """Run the jobs with each worker count on the same sites and print the scaling."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=SETTINGS["EMAIL_SCAN_CONCURRENCY"][0],
                        help="EMAIL_SCAN_CONCURRENCY of each worker (default: the shipped default)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per worker count")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {args.jobs} jobs, "
          f"EMAIL_SCAN_CONCURRENCY={args.concurrency}, {SITE_SERVERS} site servers, "
          f"{LATENCY_SECONDS[0] * 1000:.0f}-{LATENCY_SECONDS[1] * 1000:.0f} ms per request")
    print(HEADER)
    results = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        sites = [stack.enter_context(serve_site(site_pages(), on_request=slow_request))
                 for _ in range(SITE_SERVERS)]
        for count in worker_counts(args):
            results.append(run_once(args.database_url, [site.url for site in sites], count,
                                    args, Path(tmp)))
            print_row(results[-1])
        requests = sum(len(site.requests) for site in sites)
    print(f"site requests served: {requests}")
    print_scaling(results, args.workers)


if __name__ == "__main__":
    main()
