"""The Job row and every change of its state (one home for the state machine)."""

from __future__ import annotations

import uuid
from datetime import datetime
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
        # Serves the recovery sweep: running jobs by lease deadline.
        Index("ix_job_status_lease", "status", "lease_expires_at"),
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
    # The current claim: its token guards every write of the runner holding it, and the
    # lease is extended by its heartbeats; run_after holds a retry back until it is due.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    domain: Mapped[Domain] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        """Return whether the job is queued or running."""
        return self.status in TaskStatus.active()


def find_job(session: Session, job_id: str) -> Job | None:
    """Return the job with this public id, if any."""
    return session.scalars(select(Job).where(Job.job_id == job_id)).first()


def get_or_create_domain(session: Session, host: str) -> Domain:
    """Return the domain row for a site key, inserting it when new."""
    domain = session.scalars(select(Domain).where(Domain.host == host)).first()
    return domain if domain is not None else _insert_domain(session, host)


def _insert_domain(session: Session, host: str) -> Domain:
    """Add a new domain row and flush it so it has an id."""
    domain = Domain(host=host)
    session.add(domain)
    session.flush()
    return domain


def submit_scan(session: Session, site_key: str, start_url: str, created_by: str | None
                ) -> tuple[Job, bool]:
    """Queue a scan of a site, or return its active job; (job, deduplicated)."""
    for _ in range(3):
        try:
            domain, active = _domain_and_active_job(session, site_key)
            if active is not None:
                _commit_keeping_loaded(session)
                return active, True
            job = Job(domain_id=domain.id, start_url=start_url, created_by=created_by,
                      status=TaskStatus.PENDING.value, job_id=new_job_id(), domain=domain)
            session.add(job)
            _commit_keeping_loaded(session)
            return job, False
        except IntegrityError:
            # A concurrent submit inserted the same domain or active job first.
            session.rollback()
    raise RuntimeError(f"could not queue a scan of {site_key}: conflicting submits")


def _domain_and_active_job(session: Session, host: str) -> tuple[Domain, Job | None]:
    """Return a site's domain row (inserted when new) and its active job, in one query."""
    active = Job.status.in_(TaskStatus.active())
    row = session.execute(
        select(Domain, Job).outerjoin(Job, (Job.domain_id == Domain.id) & active)
        .where(Domain.host == host).limit(1)
    ).first()
    if row is not None:
        return row[0], row[1]
    return _insert_domain(session, host), None


def _commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring loaded objects: the caller answers from them at once, and
    reloading them would cost a query per submit."""
    real = session() if callable(session) else session  # a scoped session proxies one
    previous, real.expire_on_commit = real.expire_on_commit, False
    try:
        real.commit()
    finally:
        real.expire_on_commit = previous
