"""Marshmallow schemas of the JSON API."""

from scrapersky.schemas.email_scan import (
    ContactSchema,
    EmailScanRequest,
    ErrorResponse,
    JobListQuery,
    JobStatusResponse,
    JobSubmissionResponse,
)

__all__ = [
    "ContactSchema",
    "EmailScanRequest",
    "ErrorResponse",
    "JobListQuery",
    "JobStatusResponse",
    "JobSubmissionResponse",
]
