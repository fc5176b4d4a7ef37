"""The JSON API: submit a scan, read a job, list jobs, export contacts."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, request, url_for

from scrapersky.blueprints.errors import ApiError
from scrapersky.extensions import csrf, db
from scrapersky.reports import contacts_csv, job_contacts, job_status, job_to_dict, list_jobs
from scrapersky.schemas import (
    ContactSchema,
    EmailScanRequest,
    JobListQuery,
    JobStatusResponse,
    JobSubmissionResponse,
)
from scrapersky.submission import cancel_scan, current_user_id, retry_scan, submit_site

bp = Blueprint("email_scanner", __name__, url_prefix="/api/v3/email-scan")
csrf.exempt(bp)

scan_request = EmailScanRequest()
submission_response = JobSubmissionResponse()
status_response = JobStatusResponse()
job_list_query = JobListQuery()
contact_schema = ContactSchema(many=True)


def json_body() -> dict:
    """Return the request's JSON object, or raise a 400 saying what is wrong."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object, e.g. "
                       '{"url": "https://example.com"}', {"body": ["not a JSON object"]})
    return body


def load_job_id(job_id: str) -> str:
    """Return a canonical job id, or raise a 400 for a malformed one."""
    try:
        return str(uuid.UUID(job_id))
    except ValueError as exc:
        raise ApiError(400, "bad_request", "job_id is not a valid id",
                       {"job_id": ["must be a UUID"]}) from exc


def submission(job, deduplicated: bool) -> tuple[dict, int]:
    """Return the 202 answer that points at the job to poll."""
    body = {
        "job_id": job.job_id,
        "status": job.status,
        "domain": job.domain.host,
        "status_url": url_for("email_scanner.scan_status", job_id=job.job_id),
        "deduplicated": deduplicated,
    }
    return submission_response.dump(body), 202


@bp.post("/scan/website")
def submit_scan():
    """Queue a scan of one website and answer 202 with the job to poll."""
    site = scan_request.load(json_body())["site"]
    return submission(*submit_site(site, current_user_id()))


@bp.post("/jobs/<job_id>/cancel")
def cancel(job_id: str):
    """Cancel a queued or running job; 409 when it already ended."""
    job = cancel_scan(load_job_id(job_id))
    return status_response.dump(job_to_dict(job))


@bp.post("/jobs/<job_id>/retry")
def retry(job_id: str):
    """Queue the site of a FAILED or CANCELLED job again; 409 otherwise."""
    return submission(*retry_scan(load_job_id(job_id), current_user_id()))


@bp.get("/scan/status/<job_id>")
def scan_status(job_id: str):
    """Report a job's state, progress and result."""
    return status_response.dump(job_status(db.session, load_job_id(job_id)))


@bp.get("/jobs")
def jobs():
    """List jobs, newest first, optionally by status."""
    query = job_list_query.load(request.args)
    page = list_jobs(db.session, query.get("status"), query["page"], query["per_page"])
    page["jobs"] = status_response.dump(page["jobs"], many=True)
    return page


@bp.get("/jobs/<job_id>/contacts")
def contacts(job_id: str):
    """Export the contacts a job found, as JSON or (`?format=csv`) CSV."""
    found = job_contacts(db.session, load_job_id(job_id))
    if request.args.get("format") == "csv":
        return Response(contacts_csv(found), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="contacts-{job_id}.csv"'})
    return {"job_id": job_id, "contacts": contact_schema.dump(found)}
