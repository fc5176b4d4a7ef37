"""Schemas for submitting scans and reporting jobs."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from scrapersky.models.task_status import TaskStatus
from scrapersky.sites import MAX_INPUT_CHARS, InvalidSiteError, parse_site


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
            return {"site": parse_site(value)}
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


class ContactSchema(Schema):
    """One address found on a site."""

    email = fields.String()
    email_type = fields.String()
    method = fields.String()
    source_url = fields.String(allow_none=True)
    context = fields.String(allow_none=True)
    first_seen_at = fields.DateTime()
    last_seen_at = fields.DateTime()


class JobListQuery(Schema):
    """Query string of the job list: status filter and pagination."""

    status = fields.String(validate=validate.OneOf([s.value for s in TaskStatus]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ErrorDetail(Schema):
    """The body of every error."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict()


class ErrorResponse(Schema):
    """`{"error": {"code", "message", "details"}}`."""

    error = fields.Nested(ErrorDetail, required=True)
