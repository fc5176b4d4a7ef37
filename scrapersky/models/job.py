"""The Job row and every change of its state (one home for the state machine)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from scrapersky.extensions import db
from scrapersky.models.clock import utcnow
from scrapersky.models.domain import Domain
from scrapersky.models.task_status import TaskStatus

EMAIL_SCAN = "email_scan"
MAX_ERROR_CHARS = 2000
_ACTIVE_SQL = "status IN ('PENDING', 'RUNNING')"


def new_job_id() -> str:
    """Return a fresh public job id."""
    return str(uuid.uuid4())


class Job(db.Model):
    """A unit of work: one scan of one site, from PENDING to a finished state."""

    __tablename__ = "job"
    __table_args__ = (
        # Serves the scheduler's query: pending jobs of a type, oldest first.
        Index("ix_job_type_status_created", "job_type", "status", "created_at"),
        # At most one queued or running job per site, even for concurrent submits.
        Index(
            "uq_job_active_domain",
            "domain_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_job_id)
    job_type: Mapped[str] = mapped_column(String(32), default=EMAIL_SCAN)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.PENDING.value)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(120))
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id", ondelete="CASCADE"), index=True)
    start_url: Mapped[str] = mapped_column(String(2048))
    error: Mapped[str | None] = mapped_column(Text)
    result_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    domain: Mapped[Domain] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        """Return whether the job is queued or running."""
        return self.status in TaskStatus.active()


def find_job(session: Session, job_id: str) -> Job | None:
    """Return the job with this public id, if any."""
    return session.scalars(select(Job).where(Job.job_id == job_id)).first()


def find_active_job(session: Session, domain_id: int) -> Job | None:
    """Return the queued or running job of a domain, if any."""
    query = select(Job).where(Job.domain_id == domain_id, Job.status.in_(TaskStatus.active()))
    return session.scalars(query).first()


def get_or_create_domain(session: Session, host: str) -> Domain:
    """Return the domain row for a site key, inserting it when new."""
    domain = session.scalars(select(Domain).where(Domain.host == host)).first()
    if domain is None:
        domain = Domain(host=host)
        session.add(domain)
        session.flush()
    return domain


def select_pending_job_ids(session: Session, limit: int) -> list[int]:
    """Return ids of pending email-scan jobs, oldest first."""
    query = (
        select(Job.id)
        .where(Job.job_type == EMAIL_SCAN, Job.status == TaskStatus.PENDING.value)
        .order_by(Job.created_at, Job.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_job(session: Session, job_pk: int, worker_id: str) -> bool:
    """Flip one PENDING job to RUNNING in its own transaction; True if this caller won."""
    now = utcnow()
    statement = (
        update(Job)
        .where(Job.id == job_pk, Job.status == TaskStatus.PENDING.value)
        .values(
            status=TaskStatus.RUNNING.value,
            attempts=Job.attempts + 1,
            claimed_by=worker_id,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _commit_rowcount(session, statement) == 1


def record_progress(session: Session, job_pk: int, progress: float, result: dict) -> bool:
    """Store a running job's progress and heartbeat; False if it is no longer RUNNING."""
    statement = (
        update(Job)
        .where(Job.id == job_pk, Job.status == TaskStatus.RUNNING.value)
        .values(progress=min(max(progress, 0.0), 1.0), result_data=result, heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _commit_rowcount(session, statement) == 1


def finish_job(
    session: Session, job_pk: int, status: TaskStatus, *, error: str | None, result: dict | None
) -> bool:
    """Move a RUNNING job to a finished state; False if it was not RUNNING any more."""
    values: dict[str, Any] = {
        "status": status.value,
        "finished_at": utcnow(),
        "error": error[:MAX_ERROR_CHARS] if error else None,
    }
    if status is TaskStatus.COMPLETE:
        values["progress"] = 1.0
    if result is not None:
        values["result_data"] = result
    statement = (
        update(Job)
        .where(Job.id == job_pk, Job.status == TaskStatus.RUNNING.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _commit_rowcount(session, statement) == 1


def recover_expired_jobs(session: Session, lease_seconds: float, max_attempts: int) -> list[str]:
    """Return silent RUNNING jobs to PENDING, or FAIL them past max_attempts; their ids."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    stale = select(Job.id, Job.job_id, Job.attempts).where(
        Job.status == TaskStatus.RUNNING.value, Job.heartbeat_at < cutoff
    )
    recovered = []
    for job_pk, job_id, attempts in session.execute(stale).all():
        exhausted = attempts >= max_attempts
        values: dict[str, Any] = (
            {"status": TaskStatus.FAILED.value, "finished_at": utcnow(),
             "error": f"runner stopped responding; gave up after {attempts} attempts"}
            if exhausted
            else {"status": TaskStatus.PENDING.value, "claimed_by": None}
        )
        statement = (
            update(Job)
            .where(Job.id == job_pk, Job.status == TaskStatus.RUNNING.value,
                   Job.heartbeat_at < cutoff)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if _commit_rowcount(session, statement) == 1:
            recovered.append(job_id)
    return recovered


def _commit_rowcount(session: Session, statement: Any) -> int:
    """Execute one guarded UPDATE in its own transaction and return the rows it changed."""
    try:
        rowcount = session.execute(statement).rowcount
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return rowcount


def submit_scan(session: Session, site_key: str, start_url: str, created_by: str | None
                ) -> tuple[Job, bool]:
    """Queue a scan of a site, or return its active job; (job, deduplicated)."""
    for _ in range(3):
        try:
            domain = get_or_create_domain(session, site_key)
            active = find_active_job(session, domain.id)
            if active is not None:
                session.commit()
                return active, True
            job = Job(domain_id=domain.id, start_url=start_url, created_by=created_by)
            session.add(job)
            session.commit()
            return job, False
        except IntegrityError:
            # A concurrent submit inserted the same domain or active job first.
            session.rollback()
    raise RuntimeError(f"could not queue a scan of {site_key}: conflicting submits")
