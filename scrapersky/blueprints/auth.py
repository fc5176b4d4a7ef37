"""Access: bearer tokens for the API, a token login for the dashboard, submit rate limits."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from scrapersky.blueprints.errors import API_PREFIX, error_json
from scrapersky.config import parse_api_tokens, token_fingerprint
from scrapersky.extensions import csrf

logger = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
TOKENS_KEY = "scrapersky_api_tokens"
OPEN_ENDPOINTS = {"health.healthz", "health.metrics_text", "auth.login", "static"}
# Read-only documents a logged-in dashboard user may open in the browser.
# Read-only API pages a logged-in browser opens from the dashboard (docs, the job page's
# CSV/JSON export links); everything else under /api/ takes bearer tokens only.
SESSION_API_ENDPOINTS = {"docs.openapi_json", "docs.api_docs", "email_scanner.contacts"}
SUBMIT_ENDPOINTS = ("email_scanner.submit_scan", "email_scanner.submit_scans",
                    "email_scanner.retry", "dashboard.submit", "dashboard.submit_bulk",
                    "dashboard.retry")
LOOPBACK_NAMES = {"localhost", "ip6-localhost"}
REALM = 'Bearer realm="scrapersky"'


class LoginForm(FlaskForm):
    """The login form: one API token."""

    token = PasswordField("Access token", validators=[DataRequired(), Length(max=500)])


def configured_tokens(app: Flask | None = None) -> dict[str, str]:
    """Return the configured {token: name}; empty when access control is off."""
    return (app or current_app).extensions.get(TOKENS_KEY, {})


def is_access_controlled() -> bool:
    """Return whether tokens are configured."""
    return bool(configured_tokens())


def find_token_user(candidate: str) -> tuple[str, str] | None:
    """Return (name, fingerprint) of the token equal to `candidate`, comparing in constant
    time against every configured token."""
    found = None
    for token, name in configured_tokens().items():
        if hmac.compare_digest(token.encode(), candidate.encode()):
            found = (name, token_fingerprint(token))
    return found


def bearer_user() -> str | None:
    """Return the user named by a valid `Authorization: Bearer` header, if any."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    found = find_token_user(credential.strip())
    return found[0] if found else None


def session_user() -> str | None:
    """Return the logged-in user, if their token is still configured."""
    fingerprint = session.get("token_id")
    fingerprints = {token_fingerprint(token) for token in configured_tokens()}
    if fingerprint not in fingerprints:
        return None
    return session.get("user")


def authenticate_request() -> Response | tuple[Response, int] | None:
    """Let a request through with `g.user` set, or answer 401 (API) / redirect to login."""
    g.user = None
    if not is_access_controlled() or request.endpoint in OPEN_ENDPOINTS:
        return None
    if request.path.startswith(API_PREFIX):
        g.user = bearer_user()
        if g.user is None and request.endpoint in SESSION_API_ENDPOINTS:
            g.user = session_user()
        return None if g.user else unauthorized()
    g.user = session_user()
    if g.user is None:
        next_path = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=next_path))
    return None


def unauthorized() -> tuple[Response, int]:
    """Return the 401 JSON error with a WWW-Authenticate challenge."""
    sent = request.headers.get("Authorization")
    message = ("the token is not valid" if sent else
               "this API needs a token: send Authorization: Bearer <token>")
    response, status = error_json(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = REALM + (', error="invalid_token"' if sent else "")
    return response, status


def safe_next(target: str | None) -> str:
    """Return a local path to go to after login (never another site)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith(("//", "/\\")):
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the token form; on a valid token start a session and go on."""
    if not is_access_controlled():
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("login.html", form=form), 400 if request.method == "POST" else 200
    found = find_token_user(form.token.data.strip())
    if found is None:
        logger.warning("failed dashboard login from %s", request.remote_addr)
        form.token.errors.append("This token is not valid.")
        return render_template("login.html", form=form), 401
    session.clear()  # a fresh session: nothing carried over from before the login
    session["user"], session["token_id"] = found
    logger.info("dashboard login by %s", found[0])
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    """End the dashboard session."""
    session.clear()
    return redirect(url_for("auth.login") if is_access_controlled() else
                    url_for("dashboard.index"))


def register_auth(app: Flask) -> None:
    """Load the tokens, guard every request, and warn when an open server is exposed."""
    raw = app.config.get("SCRAPERSKY_API_TOKENS") or {}
    tokens = parse_api_tokens(raw) if isinstance(raw, str) else dict(raw)
    app.extensions[TOKENS_KEY] = tokens
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.register_blueprint(bp)
    # The login form checks its own CSRF token, so a bad one shows the login page again.
    csrf.exempt(login)
    # First of all before_request hooks: nothing (CSRF errors, rate limits) may answer
    # an anonymous caller before access is checked.
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate_request)
    if not tokens:
        warn_if_open(open_binds(os.environ))


def warn_if_open(bind: str) -> bool:
    """Log a WARNING when an unprotected server listens beyond loopback; True if it did.
    Call it only when no tokens are configured."""
    exposed = [address for address in bind.replace(",", " ").split()
               if not is_loopback_bind(address)]
    if not exposed:
        return False
    logger.warning("SCRAPERSKY_API_TOKENS is not set and the server listens on %s: anyone "
                   "who can reach it can submit scans and read every result",
                   ", ".join(exposed))
    return True


def is_loopback_bind(address: str) -> bool:
    """Return whether a gunicorn bind (`host:port`, `[::1]:port`, `unix:...`, `fd://`) is
    reachable from this machine only."""
    if address.startswith(("unix:", "fd://")):
        return True
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or "]" in address else address
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0-like wildcard: assume it is reachable


def client_key() -> str:
    """Rate-limit key: the authenticated user, else the client address."""
    user = getattr(g, "user", None)
    return f"user:{user}" if user else f"addr:{get_remote_address()}"


def register_rate_limits(app: Flask) -> None:
    """Limit submits (and login attempts) per client; SCRAPERSKY_SUBMIT_RATE_LIMIT."""
    rate = app.config["SCRAPERSKY_SUBMIT_RATE_LIMIT"]
    limiter = Limiter(key_func=client_key, headers_enabled=True,
                      storage_uri=app.config["SCRAPERSKY_RATE_LIMIT_STORAGE_URI"])
    app.extensions["scrapersky_limiter"] = limiter
    if not rate:
        return  # no limits: no per-request checks either
    limiter.init_app(app)
    limited = {endpoint for endpoint in SUBMIT_ENDPOINTS if endpoint in app.view_functions}
    limited.add("auth.login")
    # The limiter looks at every request; the others (status reads, /healthz) skip it.
    limiter.request_filter(lambda: request.endpoint not in limited)
    submit_limit = limiter.shared_limit(rate, scope="submit")
    for endpoint in limited - {"auth.login"}:
        app.view_functions[endpoint] = submit_limit(app.view_functions[endpoint])
    login_limit = limiter.limit(rate, methods=["POST"])
    app.view_functions["auth.login"] = login_limit(app.view_functions["auth.login"])


def open_binds(environ: Mapping[str, str]) -> str:
    """Return where this server says it listens: GUNICORN_BIND or FLASK_RUN_HOST."""
    return environ.get("GUNICORN_BIND") or environ.get("FLASK_RUN_HOST") or ""
