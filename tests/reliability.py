"""Helpers of the process-level reliability tests: a gated site, job rows, waits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update

from scrapersky.extensions import db
from scrapersky.models import Job
from scrapersky.models.clock import utcnow
from scrapersky.models.job import submit_scan
from tests.processes import ProcessRunner, ServerProcess, flask_args, wait_until

SUBMIT = "/api/v3/email-scan/scan/website"
STATUS = "/api/v3/email-scan/scan/status/{}"
FINISHED = {"COMPLETE", "FAILED", "CANCELLED"}
STEP_TIMEOUT_SECONDS = 15.0
GATE_TIMEOUT_SECONDS = 60.0
GATED_PATH = "/contact"
# "/" has one address and links only to the gated contact page, which links to more pages:
# a scan held at the gate has stored one page and would go on to the team pages.
GATED_PAGES = {
    "/": ("text/html", '<p>Write to info@acme.dev</p><a href="/contact">Contact</a>'),
    GATED_PATH: ("text/html", "<p>Sales: sales@acme.dev</p>"
                 + "".join(f'<a href="/team{n}">Team {n}</a>' for n in range(8))),
    **{f"/team{n}": ("text/html", f"<p>person{n}@acme.dev</p>") for n in range(8)},
}
SMALL_SITE = {
    "/": ("text/html", '<p>info@acme.dev</p><a href="/contact">Contact</a>'),
    "/contact": ("text/html", "<p>sales@acme.dev</p>"),
}


class Gate:
    """A request hook that holds every request for one path until opened and tells the
    test when the first one arrived (the scan is mid-flight)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, path: str) -> None:
        if path.split("?", 1)[0] == self.path:
            self.entered.set()
            self.opened.wait(GATE_TIMEOUT_SECONDS)

    def open(self) -> None:
        """Let every held and later request through."""
        self.opened.set()


def start_worker(processes: ProcessRunner, env: dict[str, str], name: str = "worker",
                 **settings: str) -> ServerProcess:
    """Start `flask --app app worker` with extra settings."""
    return processes.start(name, flask_args("worker"), {**env, **settings})


def queue_job(app: Flask, site_key: str, start_url: str) -> int:
    """Queue a scan directly in the database; return the job's primary key."""
    with app.app_context():
        try:
            return submit_scan(db.session, site_key, start_url, "t")[0].id
        finally:
            db.session.remove()


def read_job(app: Flask, pk: int) -> dict[str, Any]:
    """Return a job row's columns as the database holds them now."""
    with app.app_context():
        try:
            return dict(db.session.execute(
                select(Job.__table__).where(Job.id == pk)).mappings().one())
        finally:
            db.session.remove()


def query(app: Flask, statement: Any) -> list[Any]:
    """Run a read-only statement in a fresh session; return its rows."""
    with app.app_context():
        try:
            return list(db.session.execute(statement).all())
        finally:
            db.session.remove()


def status_counts(app: Flask) -> dict[str, int]:
    """Return how many jobs are in each state."""
    return dict(query(app, select(Job.status, func.count()).group_by(Job.status)))


def expire_lease(pk: int) -> None:
    """Make a running job's lease run out now (inside an app context)."""
    db.session.execute(update(Job).where(Job.id == pk)
                       .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def wait_for_job(app: Flask, pk: int, done: Callable[[dict[str, Any]], bool], what: str,
                 watched: tuple[ServerProcess, ...] = (), timeout: float = STEP_TIMEOUT_SECONDS
                 ) -> dict[str, Any]:
    """Return the job row once `done(row)` holds; fail with the row and the logs."""

    def check() -> dict[str, Any] | None:
        for process in watched:
            assert process.is_running(), f"{process.name} exited\n{process.describe()}"
        row = read_job(app, pk)
        return row if done(row) else None

    try:
        return wait_until(check, timeout, what)
    except AssertionError as exc:
        logs = "\n".join(process.describe() for process in watched)
        raise AssertionError(f"{exc}: {read_job(app, pk)}\n{logs}") from None
