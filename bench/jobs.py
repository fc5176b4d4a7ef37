"""Benchmark the job pipeline end to end: `flask worker` running scans of slow loopback sites.

Run: .venv/bin/python bench/jobs.py [--jobs 40] [--latency-ms 100]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/test]

Throughput: `--jobs` jobs (distinct sites, spread over 8 loopback servers of 4 pages each,
every request answered after `--latency-ms`) are queued in a fresh database, then one
`flask --app app worker` runs them at EMAIL_SCAN_CONCURRENCY 1, 4 and 8 (a fresh database
and a fresh worker for each). Reported: first claim to last COMPLETE, from the job rows.

Latency: one worker at concurrency 8 polling every 3 s (EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES
=0.05) while jobs are queued at random moments; reported: p50/p99/max of started_at -
created_at (submit to RUNNING).

The database is SQLite (a file in a temp dir), or PostgreSQL with `--database-url` (a schema
of its own per run, dropped afterwards). Targets: concurrency 8 takes <= 0.3x the time of
concurrency 1; p99 submit->RUNNING <= 4 s.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, redirect_stderr
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import select  # noqa: E402

from scrapersky import create_app  # noqa: E402
from scrapersky.extensions import db  # noqa: E402
from scrapersky.models import Job  # noqa: E402
from scrapersky.models.clock import as_utc  # noqa: E402
from scrapersky.models.job import submit_scan  # noqa: E402
from tests.conftest import _postgres_schema  # noqa: E402
from tests.processes import (  # noqa: E402
    ProcessRunner,
    ServerProcess,
    flask_args,
    process_runner,
    server_env,
    wait_until,
)
from tests.sites import TestSite, serve_site  # noqa: E402

CONCURRENCIES = (1, 4, 8)
SERVERS = 8
TARGET_RATIO = 0.3
TARGET_P99_SECONDS = 4.0
LATENCY_INTERVAL_MINUTES = "0.05"
THROUGHPUT_INTERVAL_MINUTES = "0.01"
RUN_TIMEOUT_SECONDS = 300.0
PAGES = {
    "/": ("text/html", '<p>Write to info@acme.dev</p><a href="/contact">Contact</a> '
          '<a href="/about">About</a> <a href="/team">Team</a>'),
    "/contact": ("text/html", "<p>Sales: sales@acme.dev</p>"),
    "/about": ("text/html", "<p>Press: press@acme.dev</p>"),
    "/team": ("text/html", "<p>Maria Lopez, maria.lopez@acme.dev</p>"),
}


@contextmanager
def fresh_database(database_url: str | None, workdir: Path) -> Iterator[tuple[str, Flask]]:
    """Yield a migrated empty database (SQLite file, or a PostgreSQL schema) and an app."""
    with ExitStack() as stack:
        if database_url:
            url = stack.enter_context(contextmanager(_postgres_schema)(database_url))
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
        os.environ["SCRAPERSKY_INSTANCE_PATH"] = str(workdir)
        app = create_app({"DATABASE_URL": url, "EMAIL_SCAN_SCHEDULER_ENABLED": False})
        with app.app_context(), redirect_stderr(io.StringIO()):  # alembic's INFO lines
            flask_migrate.upgrade()
        try:
            yield url, app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def queue_job(app: Flask, number: int, site: TestSite) -> None:
    """Queue one scan of a distinct site key that crawls the given server."""
    with app.app_context():
        submit_scan(db.session, f"bench{number}.test", site.url, "bench")
        db.session.remove()


def job_times(app: Flask) -> list[tuple[str, datetime, datetime | None, datetime | None]]:
    """Return (status, created_at, started_at, finished_at) of every job."""
    with app.app_context():
        rows = db.session.execute(
            select(Job.status, Job.created_at, Job.started_at, Job.finished_at)).all()
        db.session.remove()
    return [(s, as_utc(c), as_utc(st), as_utc(f)) for s, c, st, f in rows]


def start_worker(runner: ProcessRunner, url: str, workdir: Path, **settings: str) -> ServerProcess:
    """Start `flask worker` on the database and wait until its scheduler runs."""
    env = server_env(url, workdir, **settings)
    worker = runner.start("worker", flask_args("worker"), env)
    wait_until(lambda: worker.scheduler_pids() or not worker.is_running(), 30,
               "the worker's scheduler to start")
    assert worker.is_running(), worker.describe()
    return worker


def wait_for_jobs(app: Flask, worker: ServerProcess, count: int) -> None:
    """Wait until `count` jobs have finished; fail if any did not COMPLETE."""

    def finished() -> bool:
        assert worker.is_running(), worker.describe()
        return sum(status != "PENDING" and status != "RUNNING"
                   for status, *_ in job_times(app)) == count

    wait_until(finished, RUN_TIMEOUT_SECONDS, f"{count} jobs to finish")
    statuses = {status for status, *_ in job_times(app)}
    assert statuses == {"COMPLETE"}, f"{statuses}\n{worker.describe()}"


def run_throughput(sites: list[TestSite], jobs: int, concurrency: int,
                   database_url: str | None) -> float:
    """Return seconds from the first claim to the last COMPLETE at this concurrency."""
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp, \
            fresh_database(database_url, Path(tmp)) as (url, app), \
            process_runner(Path(tmp)) as runner:
        for number in range(jobs):
            queue_job(app, number, sites[number % len(sites)])
        worker = start_worker(runner, url, Path(tmp), EMAIL_SCAN_CONCURRENCY=str(concurrency),
                              EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES=THROUGHPUT_INTERVAL_MINUTES)
        wait_for_jobs(app, worker, jobs)
        rows = job_times(app)
    return (max(row[3] for row in rows) - min(row[2] for row in rows)).total_seconds()


def run_latency(sites: list[TestSite], jobs: int, spread_seconds: float,
                database_url: str | None) -> list[float]:
    """Queue jobs at random moments while a 3 s-interval worker runs; return the seconds
    from submit to RUNNING of each."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp, \
            fresh_database(database_url, Path(tmp)) as (url, app), \
            process_runner(Path(tmp)) as runner:
        worker = start_worker(runner, url, Path(tmp), EMAIL_SCAN_CONCURRENCY="8",
                              EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES=LATENCY_INTERVAL_MINUTES)
        for number in range(jobs):
            time.sleep(rng.expovariate(jobs / spread_seconds))
            queue_job(app, number, sites[number % len(sites)])
        wait_for_jobs(app, worker, jobs)
        rows = job_times(app)
    return sorted((started - created).total_seconds() for _, created, started, _ in rows)


def percentile(values: list[float], pct: int) -> float:
    """Return a percentile (1..99) of at least two values."""
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def main() -> None:
    """Run the throughput and latency measurements and print a table with the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--latency-jobs", type=int, default=60)
    parser.add_argument("--latency-spread-seconds", type=float, default=30.0)
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite)")
    args = parser.parse_args()
    database = "postgresql" if args.database_url else "sqlite"
    print(f"jobs: {args.jobs} jobs over {SERVERS} loopback sites of {len(PAGES)} pages, "
          f"{args.latency_ms} ms per request, one `flask worker`, {database}")
    with ExitStack() as stack:
        sites = [stack.enter_context(serve_site(PAGES, latency_seconds=args.latency_ms / 1000))
                 for _ in range(SERVERS)]
        seconds = {}
        print(f"{'concurrency':>11} {'seconds':>8} {'jobs/s':>7} {'vs c=1':>7}")
        for concurrency in CONCURRENCIES:
            seconds[concurrency] = run_throughput(sites, args.jobs, concurrency,
                                                  args.database_url)
            print(f"{concurrency:>11} {seconds[concurrency]:>8.2f} "
                  f"{args.jobs / seconds[concurrency]:>7.1f} "
                  f"{seconds[concurrency] / seconds[1]:>7.2f}")
        latencies = run_latency(sites, args.latency_jobs, args.latency_spread_seconds,
                                args.database_url)
    ratio = seconds[8] / seconds[1]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(f"time ratio c=8 / c=1: {ratio:.2f} (target <= {TARGET_RATIO}) "
          f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'}")
    print(f"submit -> RUNNING, {len(latencies)} jobs at random moments over "
          f"{args.latency_spread_seconds:g} s, interval 3 s, concurrency 8: "
          f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {latencies[-1]:.2f} s "
          f"(target p99 <= {TARGET_P99_SECONDS:g} s) "
          f"{'ok' if p99 <= TARGET_P99_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
