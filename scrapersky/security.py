"""Response headers that keep scraped text inert and the pages out of other sites' frames."""

from __future__ import annotations

from flask import Flask, Response

# No inline scripts or styles anywhere: the dashboard ships one stylesheet and one script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response that does not set its own."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
