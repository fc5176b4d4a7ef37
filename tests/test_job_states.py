"""Job state machine: batch claim, leases, recovery, zombie guard, retry decisions, cancel."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from scrapersky.extensions import db
from scrapersky.models import Job, TaskStatus
from scrapersky.models.clock import as_utc, utcnow
from scrapersky.models.job import submit_scan
from scrapersky.models.job_states import (
    cancel_job,
    claim_job,
    claim_pending_jobs,
    finish_job,
    heartbeat,
    pending_job_ids,
    recover_expired_jobs,
    release_job,
)
from scrapersky.models.retry import is_transient, retry_delay_seconds, should_retry


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session
        db.session.remove()


def queue(session, count: int) -> list[int]:
    return [submit_scan(session, f"s{n}.dev", f"https://s{n}.dev/", "t")[0].id
            for n in range(count)]


def expire_lease(session, pk: int) -> None:
    session.execute(update(Job).where(Job.id == pk)
                    .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_batch_claim_takes_oldest_due_jobs_with_one_token_and_a_lease(session):
    ids = queue(session, 4)
    session.execute(update(Job).where(Job.id == ids[0])
                    .values(run_after=utcnow() + timedelta(hours=1)))
    session.commit()
    claims = claim_pending_jobs(session, 2, "w1", lease_seconds=60)
    assert [c.pk for c in claims] == ids[1:3]
    assert len({c.token for c in claims}) == 1
    job = session.get(Job, ids[1])
    assert (job.status, job.attempts, job.claimed_by) == ("RUNNING", 1, "w1")
    assert as_utc(job.lease_expires_at) > utcnow() + timedelta(seconds=50)
    assert claim_pending_jobs(session, 5, "w2", 60)[0].pk == ids[3]
    assert claim_pending_jobs(session, 5, "w2", 60) == []


def test_heartbeat_extends_the_lease_only_for_the_holder(session):
    (pk,) = queue(session, 1)
    claim = claim_job(session, pk, "w", lease_seconds=1)
    assert heartbeat(session, claim, 300, progress=0.5, result={"emails": ["a@b.dev"]})
    session.commit()
    job = session.get(Job, pk)
    assert job.progress == 0.5 and as_utc(job.lease_expires_at) > utcnow() + timedelta(minutes=4)
    stranger = dataclasses.replace(claim, token="not-the-token")
    assert not heartbeat(session, stranger, 300, progress=0.9, result={})


def test_expired_lease_is_recovered_with_backoff_then_failed_at_max_attempts(session):
    (pk,) = queue(session, 1)
    claim_job(session, pk, "w")
    expire_lease(session, pk)
    assert recover_expired_jobs(session, max_attempts=2, retry_base_seconds=10) == [
        (session.get(Job, pk).job_id, "PENDING")]
    job = session.get(Job, pk)
    session.refresh(job)
    assert job.status == "PENDING" and job.attempts == 1
    assert as_utc(job.run_after) > utcnow()
    session.execute(update(Job).where(Job.id == pk).values(run_after=None))
    session.commit()
    claim_job(session, pk, "w")
    expire_lease(session, pk)
    recover_expired_jobs(session, max_attempts=2, retry_base_seconds=10)
    session.refresh(job)
    assert (job.status, job.attempts) == ("FAILED", 2)
    assert "gave up after 2" in job.error


def test_live_lease_is_not_recovered(session):
    (pk,) = queue(session, 1)
    claim_job(session, pk, "w", lease_seconds=60)
    assert recover_expired_jobs(session, 3, 1) == []
    assert session.get(Job, pk).status == "RUNNING"


def test_zombie_runner_cannot_overwrite_a_newer_attempt(session):
    (pk,) = queue(session, 1)
    zombie = claim_job(session, pk, "paused")
    expire_lease(session, pk)
    recover_expired_jobs(session, 3, 0.001)
    session.execute(update(Job).where(Job.id == pk).values(run_after=None))
    session.commit()
    fresh = claim_job(session, pk, "alive")
    assert finish_job(session, fresh, TaskStatus.COMPLETE, error=None, result={"emails": ["b"]})
    assert not heartbeat(session, zombie, 60, progress=0.1, result={"emails": ["z"]})
    session.rollback()
    assert not finish_job(session, zombie, TaskStatus.FAILED, error="late", result={})
    assert not release_job(session, zombie)
    job = session.scalars(select(Job).where(Job.id == pk)).one()
    session.refresh(job)
    assert (job.status, job.result_data, job.attempts) == ("COMPLETE", {"emails": ["b"]}, 2)


def test_release_keeps_the_attempt_count(session):
    (pk,) = queue(session, 1)
    claim = claim_job(session, pk, "w")
    assert release_job(session, claim)
    job = session.get(Job, pk)
    session.refresh(job)
    assert (job.status, job.attempts, job.claim_token) == ("PENDING", 1, None)


def test_cancel_only_active_jobs(session):
    pending, running = queue(session, 2)
    claim_job(session, running, "w")
    assert cancel_job(session, pending) and cancel_job(session, running)
    assert not cancel_job(session, pending)
    assert {j.status for j in session.scalars(select(Job))} == {"CANCELLED"}


@pytest.mark.parametrize(
    ("reason", "status", "transient"),
    [("timeout", None, True), ("connection", None, True), ("http_error", 503, True),
     ("blocked", 429, True), ("database", None, True), ("dns", None, False),
     ("http_error", 404, False), ("address_not_allowed", None, False),
     ("robots", None, False), ("blocked", 403, False), ("refused", None, False)],
)
def test_transient_failures(reason, status, transient):
    assert is_transient(reason, status) is transient


def test_retry_delay_grows_exponentially_with_jitter_and_a_cap():
    assert retry_delay_seconds(1, 30, rng=lambda: 1.0) == 30
    assert retry_delay_seconds(3, 30, rng=lambda: 1.0) == 120
    assert retry_delay_seconds(3, 30, rng=lambda: 0.0) == 60
    assert retry_delay_seconds(30, 30, rng=lambda: 1.0) == 3600
    assert should_retry(2, 3, True) and not should_retry(3, 3, True)
    assert not should_retry(1, 3, False)


def test_a_claim_reads_its_jobs_off_the_index_without_sorting_the_queue(session):
    # Sorting every pending row on each claim made a claim's cost grow with the queue.
    queue(session, 50)
    query = pending_job_ids(2).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name == "sqlite":
        plan = " ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {query}")))
        assert "ix_job_claim_order" in plan and "TEMP B-TREE" not in plan, plan
    else:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in session.execute(text(f"EXPLAIN {query}")))
        assert "ix_job_claim_order" in plan and "Sort" not in plan, plan
    session.rollback()


# A write of the API or the scheduler: the statement a thread stalls after, and the state
# the job is in once the write is done.
STALLING_WRITES = {
    "submit": ("INSERT INTO job", "PENDING"),
    "claim": ("UPDATE job", "RUNNING"),
    "finish": ("UPDATE job", "FAILED"),
}


@pytest.mark.parametrize("write", STALLING_WRITES)
def test_a_stalled_writer_does_not_hold_sqlites_write_lock(app, write):
    """A thread that stalls right after its write statement (as one waiting for the GIL
    does under load) has already committed it: another writer gets the database at once."""
    stall_after, state_after = STALLING_WRITES[write]
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's one write lock")
        if write != "submit":
            queue(db.session, 1)
        claim = claim_pending_jobs(db.session, 1, "w", 60)[0] if write == "finish" else None
        engine, path = db.engine, db.engine.url.database
        db.session.remove()
    stalled, resume = threading.Event(), threading.Event()
    outcome: list[object] = []  # the written job's id, or what the write raised

    def stall_after_write(conn, cursor, statement, *args):
        if statement.startswith(stall_after) and threading.current_thread() is runner:
            stalled.set()
            resume.wait(10)

    def write_job() -> int:
        if write == "submit":
            return submit_scan(db.session, "stall.dev", "https://stall.dev/", "t")[0].id
        if write == "claim":
            return claim_pending_jobs(db.session, 1, "w", 60)[0].pk
        assert finish_job(db.session, claim, TaskStatus.FAILED, error="x", result=None)
        return claim.pk

    def run() -> None:
        with app.app_context():
            try:
                outcome.append(write_job())
            except Exception as exc:  # noqa: BLE001  (shown by the assertions below)
                outcome.append(exc)
                stalled.set()
            finally:
                db.session.remove()

    runner = threading.Thread(target=run)
    event.listen(engine, "after_cursor_execute", stall_after_write)
    try:
        runner.start()
        assert stalled.wait(10) and not outcome, outcome
        rival = sqlite3.connect(path, timeout=0.5)
        try:
            rival.execute("INSERT INTO domain (host, created_at) "
                          "VALUES ('rival.dev', '2026-01-01 00:00:00')")
            rival.commit()
        finally:
            rival.close()
            resume.set()
            runner.join(10)
    finally:
        event.remove(engine, "after_cursor_execute", stall_after_write)
    assert outcome and isinstance(outcome[0], int), outcome
    with app.app_context():
        assert db.session.get(Job, outcome[0]).status == state_after
        db.session.remove()
