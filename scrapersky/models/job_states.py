"""Every change of a job's state, each one guarded UPDATE: claim, heartbeat, finish,
retry, release, cancel, resubmit and recovery of expired leases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Executable, Select, Update, or_, select, update
from sqlalchemy.orm import Session

from scrapersky.models.clock import utcnow
from scrapersky.models.job import AUTOCOMMIT, EMAIL_SCAN, MAX_ERROR_CHARS, Job, real_session
from scrapersky.models.retry import retry_delay_seconds, should_retry
from scrapersky.models.task_status import TaskStatus

RUNNING = TaskStatus.RUNNING.value
PENDING = TaskStatus.PENDING.value


@dataclass(frozen=True)
class Claim:
    """A job this runner holds: its row, public id, owner and the claim's token."""

    pk: int
    job_id: str
    created_by: str | None
    token: str


def new_claim_token() -> str:
    """Return a fresh token that marks one claim of a job."""
    return uuid.uuid4().hex


def _claim_values(worker_id: str, token: str, lease_seconds: float) -> dict[str, Any]:
    now = utcnow()
    return {
        "status": RUNNING,
        "attempts": Job.attempts + 1,
        "claimed_by": worker_id[:200],
        "claim_token": token,
        "started_at": now,
        "heartbeat_at": now,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "finished_at": None,
    }


def _is_due(now: datetime) -> ColumnElement[bool]:
    return or_(Job.run_after.is_(None), Job.run_after <= now)


def pending_job_ids(limit: int) -> Select[tuple[int]]:
    """The query of due pending email-scan jobs, oldest first (read off ix_job_claim_order)."""
    return (
        select(Job.id)
        .where(Job.job_type == EMAIL_SCAN, Job.status == PENDING, _is_due(utcnow()))
        .order_by(Job.created_at, Job.id)
        .limit(limit)
    )


def select_pending_job_ids(session: Session, limit: int) -> list[int]:
    """Return ids of pending email-scan jobs that are due, oldest first."""
    return list(session.scalars(pending_job_ids(limit)))


def claim_job(session: Session, job_pk: int, worker_id: str, lease_seconds: float = 600
              ) -> Claim | None:
    """The optimistic claim of one job, due or not (a scan started by hand): a Claim only
    if its UPDATE ... WHERE id=:id AND status='PENDING' changed the row."""
    claims = claim_ids(session, [job_pk], worker_id, lease_seconds)
    return claims[0] if claims else None


def claim_pending_jobs(session: Session, limit: int, worker_id: str, lease_seconds: float
                       ) -> list[Claim]:
    """Claim up to `limit` due jobs, oldest first.

    PostgreSQL: one UPDATE ... RETURNING over the rows picked FOR UPDATE SKIP LOCKED.
    SQLite: read the due ids, claim them in one optimistic UPDATE (those another runner
    took first stay out), read back the claimed ones. No RETURNING there: SQLite keeps a
    statement's transaction, and with it the database's one write lock, until its rows are
    fetched, which for a thread waiting for the GIL can take tens of milliseconds."""
    if limit < 1:
        return []
    if session.get_bind().dialect.name != "postgresql":
        ids = select_pending_job_ids(session, limit)
        session.rollback()
        return claim_ids(session, ids, worker_id, lease_seconds)
    # A CTE is evaluated once; `id IN (subquery ... SKIP LOCKED)` may be re-run by the
    # planner and pick more than `limit` rows.
    picked = pending_job_ids(limit).with_for_update(skip_locked=True).cte("picked")
    token = new_claim_token()
    statement = (
        update(Job)
        .where(Job.status == PENDING, Job.id == picked.c.id)
        .values(**_claim_values(worker_id, token, lease_seconds))
        .returning(Job.id, Job.job_id, Job.created_by, Job.created_at)
    )
    try:
        rows = session.execute(statement, execution_options={"synchronize_session": False}).all()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    rows.sort(key=lambda row: (row.created_at, row.id))
    return [Claim(row.id, row.job_id, row.created_by, token) for row in rows]


def claim_ids(session: Session, ids: Sequence[int], worker_id: str, lease_seconds: float
              ) -> list[Claim]:
    """Claim those of these jobs that are still PENDING, in one optimistic UPDATE (in
    autocommit on SQLite), then read back the rows it changed, oldest first."""
    if not ids:
        return []
    token = new_claim_token()
    statement = (
        update(Job)
        .where(Job.id.in_(ids), Job.status == PENDING)
        .values(**_claim_values(worker_id, token, lease_seconds))
    )
    if not commit_rowcount(session, statement):
        return []
    try:
        rows = session.execute(
            select(Job.id, Job.job_id, Job.created_by)
            .where(Job.id.in_(ids), Job.claim_token == token)
            .order_by(Job.created_at, Job.id)
        ).all()
    finally:
        session.rollback()  # ends the read
    return [Claim(row.id, row.job_id, row.created_by, token) for row in rows]


def _held(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    """The guard of every write a runner makes: still RUNNING under this very claim."""
    return (Job.id == claim.pk, Job.status == RUNNING, Job.claim_token == claim.token)


def heartbeat(session: Session, claim: Claim, lease_seconds: float, *, progress: float,
              result: dict[str, Any]) -> bool:
    """Extend the lease and store progress inside the caller's transaction (no commit);
    False when the claim is gone (recovered, cancelled or finished elsewhere)."""
    now = utcnow()
    statement = (
        update(Job)
        .where(*_held(claim))
        .values(progress=min(max(progress, 0.0), 1.0), result_data=result, heartbeat_at=now,
                lease_expires_at=now + timedelta(seconds=lease_seconds))
    )
    rowcount = session.execute(statement, execution_options={"synchronize_session": False})
    return rowcount.rowcount == 1


def finish_job(session: Session, claim: Claim, status: TaskStatus, *, error: str | None,
               result: dict[str, Any] | None, also: Sequence[Executable] = ()) -> bool:
    """End a held job as COMPLETE or FAILED with its result, in one guarded transaction;
    the statements in `also` run in that transaction only when the claim still held."""
    values: dict[str, Any] = {
        "status": status.value, "finished_at": utcnow(), "claim_token": None,
        "lease_expires_at": None, "error": error[:MAX_ERROR_CHARS] if error else None,
    }
    if status is TaskStatus.COMPLETE:
        values["progress"] = 1.0
    if result is not None:
        values["result_data"] = result
    return commit_rowcount(session, update(Job).where(*_held(claim)).values(**values),
                           also=also) == 1


def retry_job(session: Session, claim: Claim, *, error: str, delay_seconds: float) -> bool:
    """Queue a held job again after a transient failure, due after the backoff delay."""
    values = {
        "status": PENDING, "claim_token": None, "claimed_by": None, "lease_expires_at": None,
        "run_after": utcnow() + timedelta(seconds=delay_seconds),
        "error": f"{error[:MAX_ERROR_CHARS]} (will retry in {delay_seconds:.0f} s)",
    }
    return commit_rowcount(session, update(Job).where(*_held(claim)).values(**values)) == 1


def release_job(session: Session, claim: Claim) -> bool:
    """Give a held job back to the queue at once, keeping its attempt count (shutdown)."""
    values = {"status": PENDING, "claim_token": None, "claimed_by": None,
              "lease_expires_at": None, "run_after": None}
    return commit_rowcount(session, update(Job).where(*_held(claim)).values(**values)) == 1


def cancel_job(session: Session, job_pk: int) -> bool:
    """Cancel a queued or running job; a running scan notices at its next heartbeat."""
    statement = (
        update(Job)
        .where(Job.id == job_pk, Job.status.in_(TaskStatus.active()))
        .values(status=TaskStatus.CANCELLED.value, finished_at=utcnow(), claim_token=None,
                lease_expires_at=None, error="cancelled by request")
    )
    return commit_rowcount(session, statement) == 1


def recover_expired_jobs(session: Session, max_attempts: int, retry_base_seconds: float
                         ) -> list[tuple[str, str]]:
    """Return RUNNING jobs whose lease expired to PENDING with backoff, or to FAILED once
    they used max_attempts; [(job_id, new status)]. Safe when several sweepers run."""
    now = utcnow()
    expired = session.execute(
        select(Job.id, Job.job_id, Job.attempts, Job.claim_token)
        .where(Job.status == RUNNING, Job.lease_expires_at < now)
    ).all()
    session.rollback()
    recovered = []
    for job_pk, job_id, attempts, token in expired:
        if attempts >= max_attempts:
            values: dict[str, Any] = {
                "status": TaskStatus.FAILED.value, "finished_at": now,
                "error": f"runner stopped responding; gave up after {attempts} attempt(s)"}
        else:
            delay = retry_delay_seconds(attempts, retry_base_seconds)
            values = {"status": PENDING, "run_after": now + timedelta(seconds=delay),
                      "claimed_by": None,
                      "error": f"runner stopped responding on attempt {attempts}; requeued"}
        values.update(claim_token=None, lease_expires_at=None)
        guard = (Job.id == job_pk, Job.status == RUNNING, Job.claim_token == token,
                 Job.lease_expires_at < now)
        if commit_rowcount(session, update(Job).where(*guard).values(**values)) == 1:
            recovered.append((job_id, values["status"]))
    return recovered


def commit_rowcount(session: Session, statement: Update, also: Sequence[Executable] = ()) -> int:
    """Execute one guarded UPDATE in its own transaction, and the statements in `also` when
    it changed a row; return the rows it changed. A failed commit is rolled back before
    the connection goes back to the pool."""
    if not also:
        _lone_statement_commits_itself(session)
    try:
        result = session.execute(statement, execution_options={"synchronize_session": False})
        for extra in also if result.rowcount else ():
            session.execute(extra, execution_options={"synchronize_session": False})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result.rowcount


def fail_or_retry(session: Session, claim: Claim, *, error: str, transient: bool,
                  max_attempts: int, retry_base_seconds: float) -> TaskStatus:
    """After a failed attempt: queue a transient failure again with backoff while attempts
    remain, else mark the job FAILED; return the state it went to."""
    attempts = session.scalar(select(Job.attempts).where(Job.id == claim.pk)) or 0
    session.rollback()
    if should_retry(attempts, max_attempts, transient):
        delay = retry_delay_seconds(attempts, retry_base_seconds)
        retry_job(session, claim, error=error, delay_seconds=delay)
        return TaskStatus.PENDING
    finish_job(session, claim, TaskStatus.FAILED, error=error, result=None)
    return TaskStatus.FAILED


def _lone_statement_commits_itself(session: Session) -> None:
    """On SQLite, run the session's next statement in autocommit when it starts a
    transaction: the database's one write lock is then held only while SQLite runs the
    statement. In a transaction it would be held until COMMIT, and a scheduler thread
    waiting for the GIL in between held it for up to 100 ms under load, while the API's
    submits slept in SQLite's busy handler. PostgreSQL locks rows: nothing changes there."""
    if session.get_bind().dialect.name == "sqlite" and not real_session(session).in_transaction():
        session.connection(execution_options=AUTOCOMMIT)
