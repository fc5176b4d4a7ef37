"""Load the JSON API through gunicorn: submit vs /healthz vs job status, same server, same run.

Run: .venv/bin/python bench/api_load.py [--seconds 10] [--clients 16]
                                        [--database-url postgresql://postgres@127.0.0.1:5432/test]

For SQLite (a file in a temp dir) and, when `--database-url` or TEST_DATABASE_URL is given,
PostgreSQL (a schema of its own, dropped afterwards) the bench migrates a fresh database,
starts `gunicorn -c gunicorn.conf.py app:app` with the scheduler polling every 0.6 s, and
runs phases of `--seconds` each with `--clients` keep-alive clients (one thread and one
http.client connection each): GET /healthz; POST /api/v3/email-scan/scan/website with a
distinct domain per request (each creates a job; the scheduler fails them fast, as the
domains do not resolve and private networks stay refused); GET .../scan/status/<id> of
those jobs while the scheduler works through them; and a mixed phase (half submit, half
status). It prints throughput, p50/p99/max latency and errors per phase, the CPU of the
client, of gunicorn and of each worker, the submit/healthz throughput ratio, and checks
that the database holds one job per successful submit. The per-client submit rate limit and
the cap on pending jobs are turned off (SCRAPERSKY_SUBMIT_RATE_LIMIT=off,
SCRAPERSKY_MAX_PENDING_PER_USER=off): all clients share one address and one user, and the
bench measures the server, not the limits.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapersky.config import database_uri  # noqa: E402
from tests.conftest import _postgres_schema  # noqa: E402
from tests.processes import (  # noqa: E402
    ServerProcess,
    child_pids,
    flask_args,
    free_port,
    gunicorn_args,
    process_runner,
    server_env,
    wait_for_server,
)

SUBMIT = "/api/v3/email-scan/scan/website"
STATUS = "/api/v3/email-scan/scan/status/{}"
TARGET_RATIO = 0.3
TARGET_P99_MS = 100.0
WARM_UP_SECONDS = 1.0
# A request = (method, path, JSON body or None, expected status).
Request = tuple[str, str, dict | None, int]
# Table rows, by the name of the Workload method that makes the request.
ROW_NAMES = {"healthz": "GET /healthz", "submit": "POST scan/website",
             "status": "GET scan/status/<id>"}


@dataclass
class Row:
    """What one kind of request did in one phase."""

    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    client_cores: float = 0.0  # CPU the phase cost the load generator, in cores
    server_cores: float = 0.0  # and gunicorn (master and workers, scheduler included)
    worker_cores: tuple[float, ...] = ()  # each gunicorn process's share, busiest first

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return len(self.latencies_ms) / self.seconds

    def percentile(self, pct: int) -> float:
        """Return a latency percentile in ms (1..99)."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[pct - 1]


class Workload:
    """The requests of one run: distinct domains to submit, job ids to poll."""

    def __init__(self, interval_seconds: float = 0.0) -> None:
        self.run = f"{random.getrandbits(32):08x}"
        # Each client's pause between request starts; 0 sends back to back (closed loop).
        self.interval_seconds = interval_seconds
        self._numbers = itertools.count()
        self.job_ids: list[str] = []  # every job a 202 created (appends are atomic)

    def healthz(self) -> Request:
        """A liveness probe."""
        return ("GET", "/healthz", None, 200)

    def submit(self) -> Request:
        """A scan of a site never submitted before."""
        domain = f"load{next(self._numbers)}-{self.run}.com"
        return ("POST", SUBMIT, {"domain": domain}, 202)

    def status(self) -> Request:
        """The status of a job submitted earlier."""
        job_id = random.choice(self.job_ids)
        return ("GET", STATUS.format(job_id), None, 200)

    def record(self, request: Request, body: bytes) -> None:
        """Keep the id of every job a submit created."""
        if request[0] == "POST":
            answer = json.loads(body)
            if not answer["deduplicated"]:
                self.job_ids.append(answer["job_id"])


def send(connection: http.client.HTTPConnection, request: Request) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection; return the status and body."""
    method, path, body, _ = request
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if payload else {}
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def next_start(interval: float, due: float) -> float:
    """Return when the next request starts: now (closed loop), or at its paced slot,
    waiting for it; a late request is timed from its slot, so queueing is counted."""
    if not interval:
        return time.perf_counter()
    due += interval
    time.sleep(max(0.0, due - time.perf_counter()))
    return due


def client_loop(port: int, make: Callable[[], Request], deadline: float, workload: Workload,
                rows: dict[str, Row]) -> None:
    """Send requests until the deadline (back to back, or paced), timing each one."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    interval = workload.interval_seconds
    started = time.perf_counter() + random.uniform(0, interval) - interval
    while time.monotonic() < deadline:
        request = make()
        started = next_start(interval, started)
        try:
            status, body = send(connection, request)
        except (OSError, http.client.HTTPException):
            status, body = 0, b""
            connection.close()  # reconnects on the next request
        elapsed_ms = (time.perf_counter() - started) * 1000
        row = rows[make.__name__]
        if status != request[3]:
            row.errors += 1
            continue
        row.latencies_ms.append(elapsed_ms)
        workload.record(request, body)
    connection.close()


def run_phase(port: int, makers: list[Callable[[], Request]], seconds: float,
              workload: Workload) -> list[Row]:
    """Run one client thread per maker for `seconds`; return a row per request kind."""
    rows = {make.__name__: Row(ROW_NAMES[make.__name__], seconds) for make in makers}
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(port, make, deadline, workload, rows))
               for make in makers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return list(rows.values())


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time a live process has used (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_phase(server: ServerProcess, port: int, makers: list[Callable[[], Request]],
                   seconds: float, workload: Workload) -> list[Row]:
    """Run one phase and note the CPU the client and the server spent on it."""
    pids = [server.pid, *child_pids(server.pid)]
    server_before, client_before = list(map(cpu_seconds, pids)), time.process_time()
    rows = run_phase(port, makers, seconds, workload)
    used = [cpu_seconds(pid) - before for pid, before in zip(pids, server_before, strict=True)]
    for row in rows:
        row.client_cores = (time.process_time() - client_before) / seconds
        row.server_cores = sum(used) / seconds
        row.worker_cores = tuple(sorted((cpu / seconds for cpu in used[1:]), reverse=True))
    return rows


def run_phases(server: ServerProcess, port: int, clients: int, seconds: float,
               workload: Workload) -> list[tuple[str, Row]]:
    """Warm up, then healthz, submit, status and mixed phases; [(phase, row)]."""
    run_phase(port, [workload.healthz, workload.submit] * (clients // 2), WARM_UP_SECONDS,
              workload)
    half = clients // 2
    phases = [
        ("healthz", [workload.healthz] * clients),
        ("submit", [workload.submit] * clients),
        ("status", [workload.status] * clients),
        ("mixed", [workload.submit] * half + [workload.status] * (clients - half)),
    ]
    return [(phase, row) for phase, makers in phases
            for row in measured_phase(server, port, makers, seconds, workload)]


def migrate(env: dict[str, str]) -> None:
    """Create the schema with `flask db upgrade`."""
    subprocess.run(flask_args("db", "upgrade"), env=env, check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parents[1])


def count_jobs(url: str, instance: Path) -> set[str]:
    """Return the public id of every job row in the database."""
    engine = sa.create_engine(database_uri(url, str(instance)))
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT job_id FROM job")))
    finally:
        engine.dispose()


def bench_database(label: str, url: str, args: argparse.Namespace, tmp: Path) -> dict:
    """Serve one database with gunicorn, load it, and return its rows and job counts."""
    instance, port = tmp / f"instance-{label}", free_port()
    # Every client shares one loopback address and one user: the per-client submit limit and
    # the pending-job cap are lifted, so the bench measures what the server can take.
    env = server_env(url, instance, EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS="false",
                     GUNICORN_BIND=f"127.0.0.1:{port}", SCRAPERSKY_SUBMIT_RATE_LIMIT="off",
                     SCRAPERSKY_MAX_PENDING_PER_USER="off")
    env.update({name: str(value) for name, value in (
        ("WEB_CONCURRENCY", args.workers), ("GUNICORN_THREADS", args.threads)) if value})
    migrate(env)
    workload = Workload(args.clients / args.rate if args.rate else 0.0)
    with process_runner(tmp) as runner:
        server = runner.start(f"gunicorn-{label}", gunicorn_args(), env)
        wait_for_server(server, f"http://127.0.0.1:{port}/healthz", timeout=60)
        rows = run_phases(server, port, args.clients, args.seconds, workload)
        for line in server.stderr().splitlines():
            if "Traceback" in line or "database is locked" in line:
                print(f"  [{label}] server log: {line}")
    stored = count_jobs(url, instance)
    return {"rows": rows, "submitted": set(workload.job_ids), "stored": stored}


@contextmanager
def databases(args: argparse.Namespace, tmp: Path) -> Iterator[list[tuple[str, str]]]:
    """Yield (label, URL) of the databases to load: SQLite, and PostgreSQL if given."""
    found = [("sqlite", f"sqlite:///{tmp / 'bench.db'}")] if "sqlite" in args.only else []
    if not args.database_url or "postgresql" not in args.only:
        yield found
        return
    schema = _postgres_schema(args.database_url)
    try:
        yield [*found, ("postgresql", next(schema))]
    finally:
        schema.close()  # drops the schema


def print_report(label: str, result: dict, clients: int, paced: bool) -> bool:
    """Print one database's table and checks; return whether every target was met (the
    throughput ratio only counts back to back: paced phases all run at the given rate)."""
    print(f"\n{label}: {clients} clients")
    print(f"{'phase':<8} {'request':<22} {'ok':>7} {'errors':>6} {'req/s':>8} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7} {'cpu client':>10} {'cpu server':>10}  by worker")
    for phase, row in result["rows"]:
        print(f"{phase:<8} {row.name:<22} {len(row.latencies_ms):>7} {row.errors:>6} "
              f"{row.rate:>8.1f} {row.percentile(50):>7.1f} {row.percentile(99):>7.1f} "
              f"{max(row.latencies_ms, default=float('nan')):>7.1f} "
              f"{row.client_cores:>10.2f} {row.server_cores:>10.2f}  "
              + "/".join(f"{cores:.2f}" for cores in row.worker_cores))
    rows = {phase: row for phase, row in result["rows"] if phase in ("healthz", "submit")}
    ratio = rows["submit"].rate / rows["healthz"].rate
    cpu_ms = {phase: row.server_cores / row.rate * 1000 for phase, row in rows.items()}
    worst_p99 = max(row.percentile(99) for _, row in result["rows"])
    errors = sum(row.errors for _, row in result["rows"])
    lost = len(result["submitted"] - result["stored"])
    target = "paced: not a capacity ratio" if paced else f"target >= {TARGET_RATIO}x"
    print(f"submit/healthz throughput: {ratio:.2f}x ({target})")
    print(f"server CPU per request: healthz {cpu_ms['healthz']:.2f} ms, submit "
          f"{cpu_ms['submit']:.2f} ms (with the scheduler's work on the job it creates): "
          f"{cpu_ms['healthz'] / cpu_ms['submit']:.2f}x")
    print(f"worst p99: {worst_p99:.1f} ms (target < {TARGET_P99_MS:g} ms); errors: {errors}")
    print(f"jobs: {len(result['submitted'])} created by 202 answers, {len(result['stored'])} "
          f"rows in the database, {lost} lost")
    met = (paced or ratio >= TARGET_RATIO) and worst_p99 < TARGET_P99_MS and not errors
    return met and not lost and len(result["stored"]) == len(result["submitted"])


def main() -> None:
    """Load SQLite (and PostgreSQL) through gunicorn and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="PostgreSQL server to use as well (default TEST_DATABASE_URL)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="pace the clients to this many requests/s in all (default: "
                        "back to back); latency then counts from each request's slot")
    parser.add_argument("--only", nargs="+", choices=["sqlite", "postgresql"],
                        default=["sqlite", "postgresql"], help="databases to load")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (gunicorn.conf.py default)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (gunicorn.conf.py default)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"WEB_CONCURRENCY={args.workers or 'default'} "
          f"GUNICORN_THREADS={args.threads or 'default'}; {args.seconds:g} s per phase; "
          f"{f'paced to {args.rate:g} requests/s' if args.rate else 'back to back'}")
    all_met = True
    with tempfile.TemporaryDirectory(prefix="api-load-") as name, \
            databases(args, Path(name)) as targets:
        for label, url in targets:
            result = bench_database(label, url, args, Path(name))
            all_met &= print_report(label, result, args.clients, paced=bool(args.rate))
    print(f"\nall targets met: {'yes' if all_met else 'no'}")


if __name__ == "__main__":
    main()
