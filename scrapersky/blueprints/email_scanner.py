"""The JSON API: submit scans (one or many), read a job, list jobs and contacts, export."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, request, url_for
from marshmallow import ValidationError

from scrapersky.blueprints.errors import ApiError
from scrapersky.extensions import csrf, db
from scrapersky.json_bodies import MAX_JSON_DEPTH
from scrapersky.reports import (
    contacts_csv,
    job_contacts,
    job_status,
    job_to_dict,
    list_contacts,
    list_jobs,
)
from scrapersky.schemas import (
    BulkScanRequest,
    BulkScanResponse,
    ContactListQuery,
    ContactListResponse,
    ContactSchema,
    EmailScanRequest,
    JobListQuery,
    JobListResponse,
    JobStatusResponse,
    JobSubmissionResponse,
)
from scrapersky.schemas.email_scan import MAX_BULK_SITES
from scrapersky.sites import InvalidSiteError, Site, parse_site
from scrapersky.submission import (
    cancel_scan,
    check_pending_limit,
    current_user_id,
    queue_site,
    retry_scan,
    submit_site,
)

bp = Blueprint("email_scanner", __name__, url_prefix="/api/v3/email-scan")
csrf.exempt(bp)

scan_request = EmailScanRequest()
submission_response = JobSubmissionResponse()
status_response = JobStatusResponse()
job_list_query = JobListQuery()
job_list_response = JobListResponse()
contact_schema = ContactSchema(many=True)
contact_list_query = ContactListQuery()
contact_list_response = ContactListResponse()
bulk_request = BulkScanRequest()
bulk_response = BulkScanResponse()


def json_body() -> dict:
    """Return the request's JSON object, or raise a 400 saying what is wrong."""
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        return body
    if body is not None:
        problem = "not a JSON object"
    elif request.is_json:
        problem = f"not valid JSON, or nested more than {MAX_JSON_DEPTH} levels deep"
    else:
        problem = "not JSON: send Content-Type: application/json"
    raise ApiError(400, "bad_request", "the body must be a JSON object, e.g. "
                   '{"url": "https://example.com"}', {"body": [problem]})


def bulk_size() -> int:
    """Return how many sites a bulk submit lists (1 when it lists none): the submit limit
    counts each."""
    body = request.get_json(silent=True)
    sites = body.get("sites") if isinstance(body, dict) else None
    return min(max(len(sites), 1), MAX_BULK_SITES) if isinstance(sites, list) else 1


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


@bp.post("/scan/websites")
def submit_scans():
    """Queue scans of up to 500 websites; one result per item, 202 if any was queued."""
    items = bulk_request.load(json_body())["sites"]
    user_id = current_user_id()
    check_pending_limit(user_id, len(items))
    results = [bulk_item_result(item, user_id) for item in items]
    body = {status: sum(r["status"] == status for r in results)
            for status in ("queued", "already_active", "invalid")}
    body["results"] = results
    return bulk_response.dump(body), 202 if body["queued"] else 200


def bulk_item_result(item: Any, user_id: str) -> dict[str, Any]:
    """Queue one item of a bulk submit and say what happened to it."""
    try:
        site = load_bulk_item(item)
    except (ValidationError, InvalidSiteError) as exc:
        return {"input": item, "status": "invalid", "error": error_text(exc)}
    job, deduplicated = queue_site(site, user_id)
    return {"input": item, "status": "already_active" if deduplicated else "queued",
            "domain": job.domain.host, "job_id": job.job_id,
            "status_url": url_for("email_scanner.scan_status", job_id=job.job_id)}


def load_bulk_item(item: Any) -> Site:
    """Return the site of a bulk item: a URL or domain string, or a `{"url"}`/`{"domain"}`."""
    if isinstance(item, str):
        return parse_site(item)
    if isinstance(item, dict):
        return scan_request.load(item)["site"]
    raise InvalidSiteError('must be a URL or domain string, or {"url": ...} / {"domain": ...}')


def error_text(exc: Exception) -> str:
    """Return a one-line reason from a validation error or an invalid site."""
    if isinstance(exc, ValidationError) and isinstance(exc.messages, dict):
        return "; ".join(f"{field}: {' '.join(map(str, messages))}"
                         for field, messages in sorted(exc.messages.items()))
    return str(exc)


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
    """List jobs, newest first, optionally by status and part of the site's host."""
    query = job_list_query.load(request.args)
    page = list_jobs(db.session, query.get("status"), query["page"], query["per_page"],
                     search=query.get("q"))
    return job_list_response.dump(page)


@bp.get("/contacts")
def all_contacts():
    """List every site's contacts, most recently seen first, by type and part of the host."""
    query = contact_list_query.load(request.args)
    page = list_contacts(db.session, email_type=query.get("email_type"),
                         search=query.get("site"), page=query["page"],
                         per_page=query["per_page"])
    page["contacts"] = [site_contact(row) for row in page["contacts"]]
    return contact_list_response.dump(page)


def site_contact(row: Any) -> dict[str, Any]:
    """Return a contact row of the list as SiteContactSchema fields."""
    fields = {name: getattr(row.contact, name) for name in contact_schema.fields}
    return fields | {"domain": row.host, "still_found": row.still_found}


@bp.get("/jobs/<job_id>/contacts")
def contacts(job_id: str):
    """Export the contacts a job found, as JSON or (`?format=csv`) CSV."""
    found = job_contacts(db.session, load_job_id(job_id))
    if request.args.get("format") == "csv":
        return Response(contacts_csv(found), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="contacts-{job_id}.csv"'})
    return {"job_id": job_id, "contacts": contact_schema.dump(found)}
