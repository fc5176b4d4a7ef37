"""The OpenAPI 3 document of the HTTP API, built with apispec from the marshmallow schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from scrapersky import schemas

OPENAPI_VERSION = "3.0.3"
API_VERSION = "3.0.0"
SPEC_KEY = "scrapersky_openapi"
JSON = "application/json"
BEARER = "bearerAuth"

# name -> (status, description); each answers in the one error shape.
ERROR_RESPONSES = {
    "BadRequest": ("400", "The body is not a JSON object (or nests more than 32 levels), "
                   "or the job id is malformed."),
    "Unauthorized": ("401", "No valid Authorization: Bearer <token> header "
                     "(only when API tokens are configured)."),
    "NotFound": ("404", "No job has this id."),
    "Conflict": ("409", "The job's state does not allow this request."),
    "PayloadTooLarge": ("413", "The body is larger than 1 MB."),
    "ValidationError": ("422", "A field is invalid; details names the field."),
    "TooManyRequests": ("429", "This client's submit rate limit was reached (each site of a "
                        "bulk list counts; see Retry-After), or its user has "
                        "SCRAPERSKY_MAX_PENDING_PER_USER jobs waiting."),
}
JOB_ID = {"name": "job_id", "in": "path", "required": True,
          "schema": {"type": "string", "format": "uuid"}, "description": "the job's id"}
CONTACTS_FORMAT = {"name": "format", "in": "query", "required": False,
                   "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
                   "description": "csv for a CSV download"}

# endpoint -> how it is documented: body and query schemas, success responses, errors.
# The summary and description come from the view's docstring.
OPERATIONS: dict[str, dict[str, Any]] = {
    "email_scanner.submit_scan": {
        "tag": "scans", "body": schemas.EmailScanRequest,
        "ok": {"202": ("Queued, or the site's active job (deduplicated: true).",
                       schemas.JobSubmissionResponse)},
        "errors": ["BadRequest", "PayloadTooLarge", "ValidationError", "TooManyRequests"],
    },
    "email_scanner.submit_scans": {
        "tag": "scans", "body": schemas.BulkScanRequest,
        "ok": {"202": ("At least one site was queued; one result per item, in order.",
                       schemas.BulkScanResponse),
               "200": ("Nothing new was queued (every item invalid or already active).",
                       schemas.BulkScanResponse)},
        "errors": ["BadRequest", "PayloadTooLarge", "ValidationError", "TooManyRequests"],
    },
    "email_scanner.scan_status": {
        "tag": "jobs", "params": [JOB_ID],
        "ok": {"200": ("The job.", schemas.JobStatusResponse)},
        "errors": ["BadRequest", "NotFound"],
    },
    "email_scanner.jobs": {
        "tag": "jobs", "query": schemas.JobListQuery,
        "ok": {"200": ("One page of jobs.", schemas.JobListResponse)},
        "errors": ["ValidationError"],
    },
    "email_scanner.cancel": {
        "tag": "jobs", "params": [JOB_ID],
        "ok": {"200": ("The cancelled job.", schemas.JobStatusResponse)},
        "errors": ["BadRequest", "NotFound", "Conflict"],
    },
    "email_scanner.retry": {
        "tag": "jobs", "params": [JOB_ID],
        "ok": {"202": ("The new job (or the site's active one).",
                       schemas.JobSubmissionResponse)},
        "errors": ["BadRequest", "NotFound", "Conflict", "TooManyRequests"],
    },
    "email_scanner.contacts": {
        "tag": "contacts", "params": [JOB_ID, CONTACTS_FORMAT],
        "ok": {"200": ("The job's contacts (CSV with format=csv).",
                       schemas.JobContactsResponse, "text/csv")},
        "errors": ["BadRequest", "NotFound"],
    },
    "email_scanner.all_contacts": {
        "tag": "contacts", "query": schemas.ContactListQuery,
        "ok": {"200": ("One page of contacts.", schemas.ContactListResponse)},
        "errors": ["ValidationError"],
    },
    "docs.openapi_json": {
        "tag": "docs", "ok": {"200": ("This document.", {"type": "object"})}, "errors": [],
    },
    "docs.api_docs": {
        "tag": "docs", "ok": {"200": ("This document as an HTML page.", None, "text/html")},
        "errors": [],
    },
    "health.healthz": {
        "tag": "operations", "open": True,
        "ok": {"200": ("The database answers.", schemas.HealthResponse),
               "503": ("The database does not answer.", schemas.HealthResponse)},
        "errors": [],
    },
    "health.metrics_text": {
        "tag": "operations", "open": True,
        "ok": {"200": ("Prometheus text format.", None, "text/plain")}, "errors": [],
    },
}


def openapi_path(rule: str) -> str:
    """Turn a Flask rule (`/jobs/<job_id>`) into an OpenAPI path (`/jobs/{job_id}`)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def response_object(description: str, schema: Schema | type[Schema] | dict | None,
                    media_type: str = JSON) -> dict[str, Any]:
    """Return one success response; a schema, if any, is the JSON body."""
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        response["content"] = {JSON: {"schema": schema}}
    if media_type != JSON:
        response.setdefault("content", {})[media_type] = {"schema": {"type": "string"}}
    return response


def operation(view: Any, entry: dict[str, Any], secured: bool) -> dict[str, Any]:
    """Return the OpenAPI operation of one view."""
    summary, _, description = (view.__doc__ or "").strip().partition("\n")
    op: dict[str, Any] = {
        "summary": summary.strip(), "tags": [entry["tag"]],
        "operationId": view.__name__,
        "parameters": list(entry.get("params", [])),
        "responses": {code: response_object(*spec) for code, spec in entry["ok"].items()},
    }
    if description.strip():
        op["description"] = " ".join(description.split())
    if "query" in entry:
        op["parameters"].append({"in": "query", "schema": entry["query"]})
    if "body" in entry:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": entry["body"]}}}
    errors = list(entry["errors"]) + (["Unauthorized"] if secured and not entry.get("open")
                                      else [])
    for name in errors:
        op["responses"][ERROR_RESPONSES[name][0]] = name
    if entry.get("open"):
        op["security"] = []
    return op


def build_spec(app: Flask, secured: bool) -> dict[str, Any]:
    """Return the OpenAPI document of every documented route of the app."""
    spec = APISpec(
        title="ScraperSky email scanner API", version=API_VERSION,
        openapi_version=OPENAPI_VERSION, plugins=[MarshmallowPlugin()],
        info={"description": "Submit websites, follow their scan jobs and read the contact "
                             "addresses found. Every error has the shape "
                             '`{"error": {"code", "message", "details"}}`.'},
        **({"security": [{BEARER: []}]} if secured else {}),
    )
    if secured:
        spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    spec.components.schema("ErrorResponse", schema=schemas.ErrorResponse)
    for name, (_status, description) in ERROR_RESPONSES.items():
        if name != "Unauthorized" or secured:
            spec.components.response(name, {"description": description, "content": {
                JSON: {"schema": "ErrorResponse"}}})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        entry = OPERATIONS.get(rule.endpoint)
        if entry is None:
            continue
        view = app.view_functions[rule.endpoint]
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=openapi_path(rule.rule), operations={
            method.lower(): operation(view, entry, secured) for method in methods})
    return spec.to_dict()


def openapi_document(app: Flask) -> dict[str, Any]:
    """Return the app's OpenAPI document, built once per app."""
    if SPEC_KEY not in app.extensions:
        from scrapersky.blueprints.auth import configured_tokens

        app.extensions[SPEC_KEY] = build_spec(app, secured=bool(configured_tokens(app)))
    return app.extensions[SPEC_KEY]
