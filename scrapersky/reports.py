"""Read models for the API and dashboard: job status, job lists, contact exports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import idna
from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from scrapersky.models import Contact, Domain, Job, TaskStatus
from scrapersky.models.clock import as_utc
from scrapersky.models.job import find_job

CSV_COLUMNS = ("email", "email_type", "method", "source_url", "context",
               "first_seen_at", "last_seen_at")
EMAIL_TYPES = ("corporate", "service", "free", "other")
MAX_SEARCH_CHARS = 200


class JobNotFoundError(LookupError):
    """No job has the requested id."""


def job_to_dict(job: Job) -> dict[str, Any]:
    """Return a job as the API's JobStatusResponse fields."""
    result = job.result_data or {}
    return {
        "job_id": job.job_id,
        "job_type": job.job_type,
        "status": job.status,
        "progress": round(job.progress or 0.0, 4),
        "domain": job.domain.host,
        "start_url": job.start_url,
        "attempts": job.attempts,
        "created_by": job.created_by,
        "created_at": as_utc(job.created_at),
        "started_at": as_utc(job.started_at),
        "finished_at": as_utc(job.finished_at),
        "error": job.error,
        "result": {
            "emails": result.get("emails", []),
            "pages_scanned": result.get("pages_scanned", 0),
            "contacts_found": result.get("contacts_found", 0),
            "pages_failed": result.get("pages_failed", 0),
            "crawl": result.get("crawl", {}),
        },
    }


def get_job(session: Session, job_id: str) -> Job:
    """Return a job by public id or raise JobNotFoundError."""
    job = find_job(session, job_id)
    if job is None:
        raise JobNotFoundError(job_id)
    return job


def job_status(session: Session, job_id: str) -> dict[str, Any]:
    """Return one job's status fields."""
    return job_to_dict(get_job(session, job_id))


def list_jobs(session: Session, status: str | None, page: int, per_page: int, *,
              search: str | None = None) -> dict[str, Any]:
    """Return one page of jobs, newest first, with the total count; `search` matches
    part of the site's host."""
    query = select(Job)
    if status:
        query = query.where(Job.status == status)
    if search:
        query = query.join(Domain, Job.domain_id == Domain.id).where(host_matches(search))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    )
    return {"jobs": [job_to_dict(job) for job in rows], "page": page,
            "per_page": per_page, "total": total}


def count_jobs_by_status(session: Session) -> dict[str, int]:
    """Return how many jobs are in each state."""
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
    return {status: count for status, count in rows}


def job_contacts(session: Session, job_id: str) -> list[Contact]:
    """Return the contacts of the job's site that this job found, by address."""
    job = get_job(session, job_id)
    emails = (job.result_data or {}).get("emails", [])
    if not emails:
        return []
    query = (
        select(Contact)
        .where(Contact.domain_id == job.domain_id, Contact.email.in_(emails))
        .order_by(Contact.email)
    )
    return list(session.scalars(query))


def contacts_csv(contacts: list[Contact]) -> str:
    """Return contacts as CSV, with cells that spreadsheets would run as formulas defused."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for contact in contacts:
        writer.writerow([_safe_cell(getattr(contact, column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _safe_cell(value: Any) -> str:
    text = "" if value is None else str(as_utc(value) if hasattr(value, "tzinfo") else value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def host_matches(search: str) -> ColumnElement[bool]:
    """Match hosts containing the search text, typed in ASCII or in Unicode (IDN)."""
    text = search.strip().lower()[:MAX_SEARCH_CHARS]
    if "\x00" in text:  # no host has one, and PostgreSQL refuses NUL in text parameters
        return false()
    terms = {text}
    try:
        terms.add(idna.encode(text, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError):
        pass
    return or_(*(Domain.host.contains(term, autoescape=True) for term in sorted(terms)))


@dataclass(frozen=True)
class ContactRow:
    """A contact with its site and whether the site's latest scan still found it."""

    contact: Contact
    host: str
    still_found: bool | None


def has_latest_scan() -> bool:
    """Return whether domains remember their latest completed scan."""
    return hasattr(Domain, "last_job_id")


def _contacts_query(email_type: str | None, search: str | None) -> Select:
    still = (Contact.source_job_id == Domain.last_job_id) if has_latest_scan() else None
    columns = [Contact, Domain.host] + ([Domain.last_job_id, still] if still is not None else [])
    query = select(*columns).join(Domain, Contact.domain_id == Domain.id)
    if email_type:
        query = query.where(Contact.email_type == email_type)
    if search:
        query = query.where(host_matches(search))
    return query.order_by(Contact.last_seen_at.desc(), Contact.id.desc())


def _contact_row(row: Any) -> ContactRow:
    if len(row) < 4 or row[2] is None:  # no column yet, or the site never completed a scan
        return ContactRow(row[0], row[1], None)
    return ContactRow(row[0], row[1], bool(row[3]))


def list_contacts(session: Session, *, email_type: str | None = None,
                  search: str | None = None, page: int = 1, per_page: int = 50
                  ) -> dict[str, Any]:
    """Return one page of all sites' contacts, most recently seen first, with the total."""
    query = _contacts_query(email_type, search)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.offset((page - 1) * per_page).limit(per_page))
    return {"contacts": [_contact_row(row) for row in rows], "page": page,
            "per_page": per_page, "total": total}


def filtered_contacts(session: Session, *, email_type: str | None = None,
                      search: str | None = None) -> list[Contact]:
    """Return every contact matching the filters, most recently seen first."""
    return [row[0] for row in session.execute(_contacts_query(email_type, search))]


def count_contacts_by_type(session: Session) -> dict[str, int]:
    """Return how many addresses of each type are known, the usual types first."""
    rows = dict(session.execute(select(Contact.email_type, func.count())
                                .group_by(Contact.email_type)).all())
    counts = {email_type: rows.pop(email_type, 0) for email_type in EMAIL_TYPES}
    return counts | dict(sorted(rows.items()))


@dataclass(frozen=True)
class HourCount:
    """Jobs that ended in one hour (UTC), by outcome."""

    hour: datetime
    complete: int
    failed: int


def jobs_finished_per_hour(session: Session, now: datetime, hours: int = 24
                           ) -> list[HourCount]:
    """Return COMPLETE and FAILED jobs per hour for the last `hours` hours, oldest first."""
    current = as_utc(now).replace(minute=0, second=0, microsecond=0)
    first = current - timedelta(hours=hours - 1)
    ended = (TaskStatus.COMPLETE.value, TaskStatus.FAILED.value)
    rows = session.execute(select(Job.finished_at, Job.status)
                           .where(Job.finished_at >= first, Job.status.in_(ended)))
    buckets = {first + timedelta(hours=i): [0, 0] for i in range(hours)}
    for finished_at, status in rows:
        hour = as_utc(finished_at).replace(minute=0, second=0, microsecond=0)
        if hour in buckets:
            buckets[hour][status == TaskStatus.FAILED.value] += 1
    return [HourCount(hour, done, failed) for hour, (done, failed) in buckets.items()]
