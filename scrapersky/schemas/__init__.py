"""Marshmallow schemas of the JSON API."""

from scrapersky.schemas.email_scan import (
    BulkScanRequest,
    BulkScanResponse,
    ContactListQuery,
    ContactListResponse,
    ContactSchema,
    EmailScanRequest,
    ErrorResponse,
    HealthResponse,
    JobContactsResponse,
    JobListQuery,
    JobListResponse,
    JobStatusResponse,
    JobSubmissionResponse,
    SiteContactSchema,
)

__all__ = [
    "BulkScanRequest",
    "BulkScanResponse",
    "ContactListQuery",
    "ContactListResponse",
    "ContactSchema",
    "EmailScanRequest",
    "ErrorResponse",
    "HealthResponse",
    "JobContactsResponse",
    "JobListQuery",
    "JobListResponse",
    "JobStatusResponse",
    "JobSubmissionResponse",
    "SiteContactSchema",
]
