"""Rate limits: sites submitted per client (each site of a bulk list counts) and failed
logins per client address, counted in storage that the server's processes share."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from scrapersky.ratelimit_storage import storage_uri_for

LIMITER_KEY = "scrapersky_limiter"
COUNTER_FILE = "rate_limits.db"
SUBMIT_ENDPOINTS = ("email_scanner.submit_scan", "email_scanner.submit_scans",
                    "email_scanner.retry", "dashboard.submit", "dashboard.submit_bulk",
                    "dashboard.retry")
LOGIN_ENDPOINT = "auth.login"


def client_key() -> str:
    """Submit-limit key: the authenticated user, else the client address."""
    user = getattr(g, "user", None)
    return f"user:{user}" if user else f"addr:{get_remote_address()}"


def client_address_key() -> str:
    """Login-limit key: the client's address (through SCRAPERSKY_PROXY_COUNT proxies)."""
    return f"addr:{get_remote_address()}"


def submit_cost() -> int:
    """Return how many sites this request submits: one, or each site of a bulk list."""
    if request.endpoint == "email_scanner.submit_scans":
        from scrapersky.blueprints.email_scanner import bulk_size

        return bulk_size()
    if request.endpoint == "dashboard.submit_bulk":
        from scrapersky.blueprints.dashboard import bulk_size as form_size

        return form_size()
    return 1


def is_accepted(response: Response) -> bool:
    """Return whether a submit was taken (only those use up the budget)."""
    return response.status_code < 400


def is_failed_login(response: Response) -> bool:
    """Return whether a login attempt failed (only failures use up the budget)."""
    return response.status_code in (400, 401)


def counter_storage_uri(configured: str, instance_path: str) -> str:
    """Return where counters live: the setting, else a file every local process shares."""
    return configured or storage_uri_for(str(Path(instance_path) / COUNTER_FILE))


def register_rate_limits(app: Flask) -> None:
    """Limit submits (SCRAPERSKY_SUBMIT_RATE_LIMIT) and failed logins
    (SCRAPERSKY_LOGIN_RATE_LIMIT); `off` turns either off."""
    submit_rate = app.config["SCRAPERSKY_SUBMIT_RATE_LIMIT"]
    login_rate = app.config["SCRAPERSKY_LOGIN_RATE_LIMIT"]
    uri = counter_storage_uri(app.config["SCRAPERSKY_RATE_LIMIT_STORAGE_URI"], app.instance_path)
    limiter = Limiter(key_func=client_key, headers_enabled=True, storage_uri=uri)
    app.extensions[LIMITER_KEY] = limiter
    if not submit_rate and not login_rate:
        return  # no limits: no per-request checks either
    limiter.init_app(app)
    limited = set()
    if submit_rate:
        limited |= limit_submits(app, limiter, submit_rate)
    if login_rate and LOGIN_ENDPOINT in app.view_functions:
        limit = limiter.limit(login_rate, key_func=client_address_key, methods=["POST"],
                              deduct_when=is_failed_login,
                              error_message="too many failed logins from this address; "
                                            "wait a minute and try again")
        app.view_functions[LOGIN_ENDPOINT] = limit(app.view_functions[LOGIN_ENDPOINT])
        limited.add(LOGIN_ENDPOINT)
    # The limiter looks at these requests only; the others (status reads, /healthz) skip it.
    limiter.request_filter(lambda: request.endpoint not in limited)


def limit_submits(app: Flask, limiter: Limiter, rate: str) -> set[str]:
    """Share one budget of submitted sites per client between every submit endpoint."""
    limited = {endpoint for endpoint in SUBMIT_ENDPOINTS if endpoint in app.view_functions}
    message = (f"submit limit reached: {rate} sites per client, each site of a bulk list "
               "counting; see Retry-After")
    shared = limiter.shared_limit(rate, scope="submit", cost=submit_cost,
                                  deduct_when=is_accepted, error_message=message)
    for endpoint in limited:
        app.view_functions[endpoint] = shared(app.view_functions[endpoint])
    return limited
