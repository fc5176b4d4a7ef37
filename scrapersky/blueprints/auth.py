"""Access: bearer tokens for the API and a token login for the dashboard."""

from __future__ import annotations

import hmac
import logging
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
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from scrapersky.blueprints.errors import API_PREFIX, error_json
from scrapersky.extensions import csrf
from scrapersky.secret_key import session_token_id

logger = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
TOKENS_KEY = "scrapersky_api_tokens"
SESSION_IDS_KEY = "scrapersky_session_token_ids"
OPEN_ENDPOINTS = {"health.healthz", "health.metrics_text", "auth.login", "static"}
# Read-only documents a logged-in dashboard user may open in the browser.
# Read-only API pages a logged-in browser opens from the dashboard (docs, the job page's
# CSV/JSON export links); everything else under /api/ takes bearer tokens only.
SESSION_API_ENDPOINTS = {"docs.openapi_json", "docs.api_docs", "email_scanner.contacts"}
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


def find_token(candidate: str) -> str | None:
    """Return the configured token equal to `candidate`, comparing in constant time against
    every configured token."""
    found = None
    for token in configured_tokens():
        if hmac.compare_digest(token.encode(), candidate.encode()):
            found = token
    return found


def bearer_user() -> str | None:
    """Return the user named by a valid `Authorization: Bearer` header, if any."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    token = find_token(credential.strip())
    return configured_tokens()[token] if token else None


def session_user() -> str | None:
    """Return the logged-in user, if the session's token is still configured."""
    token_id = session.get("token_id")
    if not isinstance(token_id, str):
        return None
    return current_app.extensions[SESSION_IDS_KEY].get(token_id)


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
    token = find_token(form.token.data.strip())
    if token is None:
        logger.warning("failed dashboard login from %s", request.remote_addr)
        form.token.errors.append("This token is not valid.")
        return render_template("login.html", form=form), 401
    session.clear()  # a fresh session: nothing carried over from before the login
    session["token_id"] = session_token_id(token, current_app.secret_key)
    logger.info("dashboard login by %s", configured_tokens()[token])
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    """End the dashboard session."""
    session.clear()
    return redirect(url_for("auth.login") if is_access_controlled() else
                    url_for("dashboard.index"))


def register_auth(app: Flask) -> None:
    """Load the tokens and guard every request with them."""
    tokens = dict(app.config.get("SCRAPERSKY_API_TOKENS") or {})
    app.extensions[TOKENS_KEY] = tokens
    app.extensions[SESSION_IDS_KEY] = {session_token_id(token, app.secret_key): name
                                       for token, name in tokens.items()}
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.register_blueprint(bp)
    # The login form checks its own CSRF token, so a bad one shows the login page again.
    csrf.exempt(login)
    # First of all before_request hooks (but the Host check): nothing (CSRF errors, rate
    # limits) may answer an anonymous caller before access is checked.
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate_request)
