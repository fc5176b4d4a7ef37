"""Schema and database settings: the migration matches the models; SQLite runs in WAL."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, event, text

from scrapersky.extensions import db
from scrapersky.models import Job
from scrapersky.models.job import submit_scan


def test_migration_creates_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_sqlite_connections_use_wal_and_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_a_server_connection_dropped_while_idle_is_replaced_not_failed(app, monkeypatch):
    from scrapersky import extensions

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("server connections")
        monkeypatch.setattr(extensions, "PING_IDLE_CONNECTIONS_AFTER_SECONDS", 0.0)
        with db.engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        admin = create_engine(db.engine.url)
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        for _ in range(2):  # whichever pooled connection comes first, none fails
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_only_a_connection_idle_for_a_while_is_pinged_before_use(app, monkeypatch):
    from scrapersky import extensions

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("server connections")
        pings = []
        real_ping = db.engine.dialect.do_ping
        monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
        for _ in range(3):  # fresh, then reused at once: no round trip spent on pings
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert pings == []
        monkeypatch.setattr(extensions, "PING_IDLE_CONNECTIONS_AFTER_SECONDS", 0.0)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert len(pings) == 1


def test_submit_returns_the_job_it_recorded_then_that_job_while_active(app):
    with app.app_context():
        job, deduplicated = submit_scan(db.session, "acme.dev", "https://acme.dev/", "alice")
        assert not deduplicated
        row = db.session.get(Job, job.id)
        assert (row.job_id, row.status, row.created_by, row.domain.host, row.start_url) == (
            job.job_id,
            "PENDING",
            "alice",
            job.domain.host,
            "https://acme.dev/",
        )
        again, deduplicated = submit_scan(db.session, "acme.dev", "https://acme.dev/", "bob")
        assert deduplicated and (again.job_id, again.domain.host) == (job.job_id, "acme.dev")
        db.session.remove()


def test_a_submit_on_a_database_server_is_one_round_trip(app):
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("server connections")
        sent: list[str] = []
        record = lambda *args: sent.append(args[2])  # noqa: E731  (conn, cursor, statement)
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            job, deduplicated = submit_scan(db.session, "one.dev", "https://one.dev/", "alice")
            assert not deduplicated and len(sent) == 1, sent
            again, deduplicated = submit_scan(db.session, "one.dev", "https://one.dev/", "bob")
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert deduplicated and again.job_id == job.job_id
        assert db.session.get(Job, job.id).domain.host == "one.dev"
        db.session.remove()


def test_a_submit_that_loses_the_race_for_a_new_site_tries_again(app):
    """Another submit inserts the site's domain while this one runs: this one waits for
    it, finds its own insert skipped, and queues the job on the other's domain row."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("server connections")
        rival = create_engine(db.engine.url)

    def submit() -> tuple[Job, bool]:
        with app.app_context():
            try:
                return submit_scan(db.session, "race.dev", "https://race.dev/", "late")
            finally:
                db.session.remove()

    try:
        with rival.connect() as other, ThreadPoolExecutor(1) as pool:
            domain_id = other.execute(text(
                "INSERT INTO domain (host, created_at) VALUES ('race.dev', now()) RETURNING id"
            )).scalar_one()  # not committed yet
            late = pool.submit(submit)
            wait_for_lock_wait(other, late)
            other.commit()
            job, deduplicated = late.result(timeout=30)
    finally:
        rival.dispose()
    assert not deduplicated
    with app.app_context():
        row = db.session.get(Job, job.id)
        assert (row.domain_id, row.status, row.created_by) == (domain_id, "PENDING", "late")
        db.session.remove()


def wait_for_lock_wait(conn, running: Future, timeout: float = 10.0) -> None:
    """Return once another backend waits for a lock this connection holds."""
    deadline = time.monotonic() + timeout
    # pg_stat_activity is read once per transaction unless its snapshot is cleared.
    while conn.execute(text("SELECT pg_stat_clear_snapshot()")) and not conn.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
    )).scalar():
        assert not running.done(), running.result()
        assert time.monotonic() < deadline, "the submit never waited for the rival insert"
        time.sleep(0.01)


def test_reads_on_a_database_server_skip_the_transaction_writes_keep_it(app, client):
    from flask import g

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("server connections")
    seen: list[bool] = []  # the connection's autocommit flag as each request ends
    app.before_request(lambda: setattr(g, "autocommit", seen))

    @app.after_request
    def record_autocommit(response):
        g.autocommit.append(db.session.connection().connection.dbapi_connection.autocommit)
        return response

    job_id = client.post("/api/v3/email-scan/scan/website", json={"domain": "reads.dev"}
                         ).json["job_id"]
    assert client.get(f"/api/v3/email-scan/scan/status/{job_id}").json["job_id"] == job_id
    assert client.get("/healthz").status_code == 200
    assert seen == [False, True, True]
