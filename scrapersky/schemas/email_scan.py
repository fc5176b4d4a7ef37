"""Schemas for submitting scans and reporting jobs."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from scrapersky.models.clock import as_utc
from scrapersky.models.task_status import TaskStatus
from scrapersky.sites import MAX_INPUT_CHARS, InvalidSiteError, allowed_scan_ports, parse_site

MAX_BULK_SITES = 500
MAX_PAGE = 100_000  # deeper pages of a list are refused (API) or shown empty (dashboard)
MAX_SEARCH_CHARS = 200
EMAIL_TYPES = ("corporate", "service", "free", "other")
BULK_STATUSES = ("queued", "already_active", "invalid")


class EmailScanRequest(Schema):
    """A request to scan one website: `url` or `domain`, exactly one."""

    url = fields.String(validate=validate.Length(min=1, max=MAX_INPUT_CHARS))
    domain = fields.String(validate=validate.Length(min=1, max=MAX_INPUT_CHARS))

    @validates_schema
    def check_one_site(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """Require exactly one of url and domain."""
        if "url" in data and "domain" in data:
            raise ValidationError("give either url or domain, not both", "_schema")
        if "url" not in data and "domain" not in data:
            raise ValidationError("missing: give url or domain", "url")

    @post_load
    def make_site(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """Normalise the submitted value into a Site."""
        field = "url" if "url" in data else "domain"
        value = data[field]
        if field == "domain" and "://" in value:
            raise ValidationError("give a bare domain such as example.com, or use url", field)
        try:
            return {"site": parse_site(value,
                                       allowed_ports=allowed_scan_ports(current_app.config))}
        except InvalidSiteError as exc:
            raise ValidationError(str(exc), field) from exc


class JobSubmissionResponse(Schema):
    """What a submit answers: the job to poll."""

    job_id = fields.String(required=True)
    status = fields.String(required=True)
    domain = fields.String(required=True)
    status_url = fields.String(required=True)
    deduplicated = fields.Boolean(required=True)


class ScanResult(Schema):
    """What a scan found so far (or in the end)."""

    emails = fields.List(fields.String())
    pages_scanned = fields.Integer()
    contacts_found = fields.Integer()
    pages_failed = fields.Integer()
    crawl = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "live crawl counters: fetched, queued, "
                                  "skipped, failed, bytes_read, requests"})


class JobStatusResponse(Schema):
    """A job's state, progress and result."""

    job_id = fields.String()
    job_type = fields.String()
    status = fields.String()
    progress = fields.Float()
    domain = fields.String()
    start_url = fields.String()
    attempts = fields.Integer()
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
    result = fields.Nested(ScanResult)


class UtcDateTime(fields.DateTime):
    """A timestamp written with its UTC offset, also when SQLite hands back a naive one."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class ContactSchema(Schema):
    """One address found on a site."""

    email = fields.String()
    email_type = fields.String()
    method = fields.String()
    source_url = fields.String(allow_none=True)
    context = fields.String(allow_none=True)
    first_seen_at = UtcDateTime()
    last_seen_at = UtcDateTime()


class PageQuery(Schema):
    """Pagination of a list: page number from 1, items per page."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "page number, from 1"})
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                              metadata={"description": "items per page (at most 200)"})


class JobListQuery(PageQuery):
    """Query string of the job list: status and site filters, pagination."""

    status = fields.String(validate=validate.OneOf([s.value for s in TaskStatus]),
                           metadata={"description": "only jobs in this state"})
    q = fields.String(validate=validate.Length(min=1, max=MAX_SEARCH_CHARS),
                      metadata={"description": "only sites whose host contains this text "
                                "(ASCII or Unicode)"})


class JobListResponse(Schema):
    """One page of jobs, newest first."""

    jobs = fields.List(fields.Nested(JobStatusResponse), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "jobs matching the filters"})


class JobContactsResponse(Schema):
    """The contacts one job found."""

    job_id = fields.String(required=True)
    contacts = fields.List(fields.Nested(ContactSchema), required=True)


class ContactListQuery(PageQuery):
    """Query string of the contact list: type and site filters, pagination."""

    email_type = fields.String(validate=validate.OneOf(EMAIL_TYPES),
                               metadata={"description": "only addresses of this type"})
    site = fields.String(validate=validate.Length(min=1, max=MAX_SEARCH_CHARS),
                         metadata={"description": "only sites whose host contains this text"})


class SiteContactSchema(ContactSchema):
    """An address with the site it belongs to and whether the latest scan still found it."""

    domain = fields.String(required=True)
    still_found = fields.Boolean(allow_none=True, metadata={
        "description": "found by the site's latest completed scan (null: never completed)"})


class ContactListResponse(Schema):
    """One page of every site's contacts, most recently seen first."""

    contacts = fields.List(fields.Nested(SiteContactSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class BulkScanRequest(Schema):
    """Many websites at once: URLs or domains as strings, or `{"url"}`/`{"domain"}` objects."""

    sites = fields.List(
        fields.Raw(metadata={"oneOf": [
            {"type": "string", "example": "https://example.com"},
            {"type": "object", "properties": {"url": {"type": "string"}}},
            {"type": "object", "properties": {"domain": {"type": "string"}}},
        ]}),
        required=True, validate=validate.Length(min=1, max=MAX_BULK_SITES),
        metadata={"description": f"1 to {MAX_BULK_SITES} sites"},
    )


class BulkScanItem(Schema):
    """What happened to one submitted site."""

    input = fields.Raw(required=True, metadata={"description": "the item as submitted"})
    status = fields.String(required=True, validate=validate.OneOf(BULK_STATUSES))
    domain = fields.String(metadata={"description": "the normalised site"})
    job_id = fields.String()
    status_url = fields.String()
    error = fields.String(metadata={"description": "why the item is invalid"})


class BulkScanResponse(Schema):
    """One result per submitted item, in order, and how many had each status."""

    results = fields.List(fields.Nested(BulkScanItem), required=True)
    queued = fields.Integer(required=True)
    already_active = fields.Integer(required=True)
    invalid = fields.Integer(required=True)


class HealthResponse(Schema):
    """Liveness: the database and this process's scheduler."""

    status = fields.String(required=True, metadata={"description": "ok or unavailable"})
    database = fields.String(required=True)
    scheduler_last_tick_age_seconds = fields.Float(allow_none=True, required=True, metadata={
        "description": "seconds since this process's scheduler last polled; null when "
                       "this process runs no scheduler"})


class ErrorDetail(Schema):
    """The body of every error."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict(metadata={"description": "messages by the field at fault"})


class ErrorResponse(Schema):
    """`{"error": {"code", "message", "details"}}`."""

    error = fields.Nested(ErrorDetail, required=True)
