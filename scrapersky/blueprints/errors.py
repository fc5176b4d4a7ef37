"""One JSON error shape for the API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from scrapersky.schemas import ErrorResponse

API_PREFIX = "/api/"
error_response = ErrorResponse()


class ApiError(Exception):
    """An error the API reports to its caller with a status code."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def error_json(status: int, code: str, message: str, details: dict[str, Any] | None = None
               ) -> tuple[Response, int]:
    """Return the JSON error response for a status."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return jsonify(error_response.dump(body)), status


def register_error_handlers(app: Flask) -> None:
    """Answer API errors as JSON; leave HTML pages to Flask's defaults."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return error_json(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(ValidationError)
    def handle_validation_error(exc: ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        fields = ", ".join(sorted(messages))
        return error_json(422, "validation_error", f"invalid input in: {fields}", messages)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        if not request.path.startswith(API_PREFIX):
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_json(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if not request.path.startswith(API_PREFIX):
            return "Internal Server Error", 500
        return error_json(500, "internal_error", "the server failed to handle this request")


def register_not_found_handler(app: Flask) -> None:
    """Answer 404 for an unknown job id, 409 for a request the job's state forbids and 429
    past the cap on a user's pending jobs."""
    from scrapersky.reports import JobNotFoundError
    from scrapersky.submission import JobStateError, PendingLimitError

    @app.errorhandler(PendingLimitError)
    def handle_pending_limit(exc: PendingLimitError):
        if not request.path.startswith(API_PREFIX):
            return str(exc), 429
        return error_json(429, "too_many_pending_jobs", str(exc), exc.details)

    @app.errorhandler(JobStateError)
    def handle_job_state(exc: JobStateError):
        if not request.path.startswith(API_PREFIX):
            return str(exc), 409
        return error_json(409, "conflict", str(exc))

    @app.errorhandler(JobNotFoundError)
    def handle_job_not_found(exc: JobNotFoundError):
        if not request.path.startswith(API_PREFIX):
            return "No such job", 404
        return error_json(404, "not_found", f"no job with id {exc.args[0]}")
