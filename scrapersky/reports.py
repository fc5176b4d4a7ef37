"""Read models for the API and dashboard: job status, job lists, contact exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scrapersky.models import Contact, Job
from scrapersky.models.clock import as_utc
from scrapersky.models.job import find_job

CSV_COLUMNS = ("email", "email_type", "method", "source_url", "context",
               "first_seen_at", "last_seen_at")


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


def list_jobs(session: Session, status: str | None, page: int, per_page: int) -> dict[str, Any]:
    """Return one page of jobs, newest first, with the total count."""
    query = select(Job)
    if status:
        query = query.where(Job.status == status)
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
