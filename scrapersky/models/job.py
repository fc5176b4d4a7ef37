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
    Select,
    String,
    Text,
    bindparam,
    exists,
    func,
    insert,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from scrapersky.extensions import db
from scrapersky.models.clock import utcnow
from scrapersky.models.domain import Domain
from scrapersky.models.task_status import TaskStatus

EMAIL_SCAN = "email_scan"
MAX_ERROR_CHARS = 2000
_ACTIVE_SQL = "status IN ('PENDING', 'RUNNING')"
_PENDING_SQL = "status = 'PENDING'"


def new_job_id() -> str:
    """Return a fresh public job id."""
    return str(uuid.uuid4())


class Job(db.Model):
    """A unit of work: one scan of one site, from PENDING to a finished state."""

    __tablename__ = "job"
    __table_args__ = (
        # Serves the scheduler's claim: pending jobs of a type in its exact order (oldest
        # first, then id), so a claim reads its few rows off the index; without `id` the
        # database sorted every pending row on each claim, a cost that grew with the queue.
        Index("ix_job_claim_order", "job_type", "status", "created_at", "id"),
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
        # Serves the cap on pending jobs per user: counts one user's queue, never the rest.
        Index(
            "ix_job_pending_created_by",
            "created_by",
            sqlite_where=text(_PENDING_SQL),
            postgresql_where=text(_PENDING_SQL),
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
    return session.scalars(_FIND_JOB, {"job_id": job_id}).first()


# Statements of the API's busiest requests, built once: building one costs more than
# running it. A submit runs Core statements and no unit of work, each committing on its
# own (autocommit):
# - SQLite: one read of the site's domain id and active job id, then at most two INSERTs.
#   The write lock is held only while SQLite runs a statement, never while Python waits for
#   the GIL (WAL with synchronous=NORMAL makes a commit cheap). A domain row left without
#   its job by a failed insert is harmless and is reused.
# - PostgreSQL: the same read and inserts as one statement with data-modifying CTEs: one
#   round trip and one WAL flush instead of five round trips (BEGIN, read, two inserts,
#   COMMIT), which count when the database is on another host.
# The unique indexes keep concurrent submits apart either way: the loser's statement fails
# or finds nothing, and is tried again.
_DOMAINS, _JOBS = Domain.__table__, Job.__table__
_ACTIVE = [status.value for status in TaskStatus.active()]
_FIND_SITE = (
    select(_DOMAINS.c.id.label("domain_id"), _JOBS.c.id.label("active_id"))
    .outerjoin(_JOBS, (_JOBS.c.domain_id == _DOMAINS.c.id) & _JOBS.c.status.in_(_ACTIVE))
    .where(_DOMAINS.c.host == bindparam("host"))
    .limit(1)
)
_FIND_JOB = select(Job).where(Job.job_id == bindparam("job_id"))
# The condition is written as the partial index's, so that both databases use the index.
_COUNT_PENDING = select(func.count()).select_from(
    select(_JOBS.c.id)
    .where(_JOBS.c.created_by == bindparam("created_by"), text(_PENDING_SQL))
    .limit(bindparam("up_to"))
    .subquery()
)
# No RETURNING: SQLite keeps a statement's transaction, and with it the write lock, until
# its rows are fetched; a plain INSERT commits inside SQLite and the id comes from lastrowid.
_INSERT_DOMAIN = insert(_DOMAINS)
_INSERT_JOB = insert(_JOBS)
_NEW_JOB_COLUMNS = ("job_id", "job_type", "status", "progress", "attempts", "created_by",
                    "start_url", "created_at")
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def _submit_statement() -> Select[tuple[int | None, int | None, int | None]]:
    """Build PostgreSQL's one-statement submit: (domain id, active job id, new job id).

    The active job id is set when the site has one (nothing is written); the new job id
    when it was queued; neither when a concurrent submit inserted the domain first."""
    found = _FIND_SITE.cte("found")
    new_domain = (
        pg_insert(_DOMAINS)
        .from_select(["host", "created_at"], select(
            bindparam("host", type_=_DOMAINS.c.host.type),
            bindparam("created_at", type_=_DOMAINS.c.created_at.type),
        ).where(~exists(select(found.c.domain_id))))
        .on_conflict_do_nothing(index_elements=[_DOMAINS.c.host])
        .returning(_DOMAINS.c.id)
        .cte("new_domain")
    )
    site = union_all(select(found.c.domain_id), select(new_domain.c.id)).cte("site")
    new_job = (
        insert(_JOBS)
        .from_select([*_NEW_JOB_COLUMNS, "domain_id"], select(
            *(bindparam(name, type_=_JOBS.c[name].type) for name in _NEW_JOB_COLUMNS),
            site.c.domain_id,
        ).where(~exists(select(found.c.active_id).where(found.c.active_id.is_not(None)))))
        .returning(_JOBS.c.id)
        .cte("new_job")
    )
    return select(select(site.c.domain_id).scalar_subquery(),
                  select(found.c.active_id).scalar_subquery(),
                  select(new_job.c.id).scalar_subquery())


_SUBMIT_IN_ONE = _submit_statement()


def count_pending_jobs(session: Session, created_by: str, up_to: int) -> int:
    """Return how many PENDING jobs `created_by` has, counting no further than `up_to`.
    Outside a transaction it reads in autocommit, as the submit after it writes."""
    params = {"created_by": created_by, "up_to": up_to}
    if real_session(session).in_transaction():
        return session.execute(_COUNT_PENDING, params).scalar_one()
    connection = session.connection(execution_options=AUTOCOMMIT)
    return connection.execute(_COUNT_PENDING, params).scalar_one()


def submit_scan(session: Session, site_key: str, start_url: str, created_by: str | None
                ) -> tuple[Job, bool]:
    """Queue a scan of a site, or return its active job; (job, deduplicated). A new job
    comes back as a plain object holding the row just written, not attached to the session."""
    if real_session(session).in_transaction():
        _commit_keeping_loaded(session)  # autocommit starts with a transaction of its own
    attempt = (_submit_in_one if session.get_bind().dialect.name == "postgresql"
               else _submit_step_by_step)
    for _ in range(3):
        try:
            found = attempt(session.connection(execution_options=AUTOCOMMIT), session,
                            site_key, start_url, created_by)
        except IntegrityError:
            # A concurrent submit inserted the same domain or active job first.
            session.rollback()
            continue
        _commit_keeping_loaded(session)
        if found is not None:
            return found
    raise RuntimeError(f"could not queue a scan of {site_key}: conflicting submits")


def _new_job_row(site_key: str, start_url: str, created_by: str | None) -> dict[str, Any]:
    return {"job_id": new_job_id(), "job_type": EMAIL_SCAN, "status": TaskStatus.PENDING.value,
            "progress": 0.0, "attempts": 0, "created_by": created_by, "start_url": start_url,
            "created_at": utcnow()}


def _submit_in_one(connection: Connection, session: Session, site_key: str, start_url: str,
                   created_by: str | None) -> tuple[Job, bool] | None:
    """One attempt of `submit_scan` in one statement (PostgreSQL); None to try again."""
    row = _new_job_row(site_key, start_url, created_by)
    domain_id, active_id, job_pk = connection.execute(
        _SUBMIT_IN_ONE, {**row, "host": site_key}).one()
    if active_id is not None:
        return session.get_one(Job, active_id), True
    if job_pk is None:
        return None  # a concurrent submit inserted the domain after this one looked
    return Job(id=job_pk, domain_id=domain_id, domain=Domain(id=domain_id, host=site_key),
               **row), False


def _submit_step_by_step(connection: Connection, session: Session, site_key: str,
                         start_url: str, created_by: str | None) -> tuple[Job, bool]:
    """One attempt of `submit_scan`, a statement at a time (SQLite)."""
    domain_id, active_id = connection.execute(_FIND_SITE, {"host": site_key}).first() or (
        None, None)
    if active_id is not None:
        return session.get_one(Job, active_id), True
    if domain_id is None:
        domain_id = connection.execute(
            _INSERT_DOMAIN, {"host": site_key, "created_at": utcnow()}).inserted_primary_key[0]
    row = {**_new_job_row(site_key, start_url, created_by), "domain_id": domain_id}
    job_pk = connection.execute(_INSERT_JOB, row).inserted_primary_key[0]
    return Job(id=job_pk, domain=Domain(id=domain_id, host=site_key), **row), False


def _commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring loaded objects: the caller answers from them at once, and
    reloading them would cost a query per submit."""
    real = real_session(session)
    previous, real.expire_on_commit = real.expire_on_commit, False
    try:
        real.commit()
    finally:
        real.expire_on_commit = previous


def real_session(session: Session) -> Session:
    """Return the session itself, also when given a scoped session (which proxies one)."""
    return session() if callable(session) else session
