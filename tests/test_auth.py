"""Access control: API bearer tokens, the dashboard login and submit rate limits (the
open-server refusal is in test_exposure.py)."""

from __future__ import annotations

import re

import flask_migrate
import pytest
from sqlalchemy import select

from scrapersky import create_app
from scrapersky.config import ConfigError, load_settings, parse_api_tokens
from scrapersky.extensions import db
from scrapersky.models import Job

SUBMIT = "/api/v3/email-scan/scan/website"
ALICE = "alice-token-0123456789"
BARE = "bare-token-abcdefghijkl"
TOKENS = f"alice:{ALICE}, {BARE}"


@pytest.fixture
def make_app(app_config: dict):
    """Make apps on the test database with extra settings; their engines closed after."""
    apps = []

    def make(**overrides):
        app = create_app({**app_config, **overrides})
        with app.app_context():
            flask_migrate.upgrade()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def secured(make_app):
    """An app with two tokens: one named `alice`, one unnamed."""
    return make_app(SCRAPERSKY_API_TOKENS=TOKENS)


@pytest.fixture
def client(secured):
    return secured.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("headers", [{}, bearer("wrong-token-0123456789"), bearer(""),
                                     {"Authorization": f"Basic {ALICE}"}])
@pytest.mark.parametrize("method,path", [("post", SUBMIT), ("get", "/api/v3/email-scan/jobs"),
                                         ("get", "/api/v3/email-scan/contacts"),
                                         ("get", "/api/openapi.json"), ("get", "/api/nope")])
def test_api_without_a_valid_token_gets_401_json(client, headers, method, path):
    response = getattr(client, method)(path, headers=headers, json={"url": "https://a.com"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert set(response.get_json()["error"]) == {"code", "message", "details"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_named_invalid_in_the_challenge(client):
    response = client.get("/api/v3/email-scan/jobs", headers=bearer("wrong-token-0123456789"))
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_right_token_is_let_through_and_named_as_the_creator(client, secured):
    named = client.post(SUBMIT, json={"domain": "a.com"}, headers=bearer(ALICE))
    assert named.status_code == 202
    unnamed = client.post(SUBMIT, json={"domain": "b.com"},
                          headers={**bearer(BARE), "X-ScraperSky-User": "mallory"})
    assert unnamed.status_code == 202
    status = client.get(named.json["status_url"], headers=bearer(ALICE)).get_json()
    assert status["created_by"] == "alice"
    with secured.app_context():
        creators = dict(db.session.execute(select(Job.job_id, Job.created_by)).all())
    assert creators[named.json["job_id"]] == "alice"
    assert creators[unnamed.json["job_id"]].startswith("token-")  # never the claimed header
    assert BARE not in creators[unnamed.json["job_id"]]


def test_health_and_metrics_stay_open(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_dashboard_redirects_to_login(client):
    response = client.get("/jobs/some-id?x=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    posted = client.post("/scan", data={"url": "https://a.com"})
    assert posted.status_code == 302 and "/login" in posted.headers["Location"]


def test_login_with_a_token_then_logout(client, secured):
    page = client.get("/login")
    assert page.status_code == 200 and b'name="token"' in page.data
    wrong = client.post("/login", data={"token": "wrong-token-0123456789"})
    assert wrong.status_code == 401 and b"not valid" in wrong.data
    assert client.get("/").status_code == 302
    logged_in = client.post("/login?next=/jobs/x", data={"token": ALICE})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/jobs/x"
    assert client.get("/").status_code == 200
    client.post("/scan", data={"url": "https://c.com"})
    with secured.app_context():
        assert db.session.scalars(select(Job.created_by)).one() == "alice"
    assert client.get("/api/docs").status_code == 200  # the docs open with the session
    assert client.get("/api/v3/email-scan/jobs").status_code == 401  # the API never does
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_login_never_redirects_to_another_site(client, target):
    response = client.post("/login", query_string={"next": target}, data={"token": ALICE})
    assert response.headers["Location"] == "/"


def test_session_ends_when_its_token_is_removed(make_app, secured):
    client = secured.test_client()
    client.post("/login", data={"token": ALICE})
    cookie = client.get_cookie("session")
    other = make_app(SCRAPERSKY_API_TOKENS=BARE).test_client()
    other.set_cookie("session", cookie.value)
    assert other.get("/").status_code == 302


def test_login_form_needs_its_csrf_token(make_app):
    app = make_app(SCRAPERSKY_API_TOKENS=TOKENS, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    without = client.post("/login", data={"token": ALICE})
    assert without.status_code == 400 and b"Not submitted" in without.data
    assert client.get("/").status_code == 302
    form = client.get("/login").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    with_token = client.post("/login", data={"token": ALICE, "csrf_token": csrf_token})
    assert with_token.status_code == 302
    assert client.get("/").status_code == 200


def test_without_tokens_everything_is_open(app):
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/api/v3/email-scan/jobs").status_code == 200
    assert client.get("/login").status_code == 302


def test_token_setting_is_parsed_and_checked():
    assert parse_api_tokens(f"alice:{ALICE},, ") == {ALICE: "alice"}
    assert load_settings({})["SCRAPERSKY_API_TOKENS"] == {}
    for bad in ("short", f"{ALICE},{ALICE}", "alice:"):
        with pytest.raises(ConfigError, match="SCRAPERSKY_API_TOKENS"):
            load_settings({"SCRAPERSKY_API_TOKENS": bad})


def test_submits_are_rate_limited_per_client_in_the_json_error_shape(make_app):
    app = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="2/minute", SCRAPERSKY_API_TOKENS=TOKENS)
    client = app.test_client()
    assert client.post(SUBMIT, json={"domain": "a.com"}, headers=bearer(ALICE)).status_code == 202
    bulk = client.post("/api/v3/email-scan/scan/websites", json={"sites": ["b.com"]},
                       headers=bearer(ALICE))
    assert bulk.status_code == 202
    limited = client.post(SUBMIT, json={"domain": "c.com"}, headers=bearer(ALICE))
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v3/email-scan/jobs", headers=bearer(ALICE)).status_code == 200
    other = client.post(SUBMIT, json={"domain": "c.com"}, headers=bearer(BARE))
    assert other.status_code == 202  # each client has its own budget


def test_rate_limit_off_and_invalid(make_app):
    app = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="")
    client = app.test_client()
    assert all(client.post(SUBMIT, json={"domain": f"s{n}.com"}).status_code == 202
               for n in range(5))
    assert load_settings({"SCRAPERSKY_SUBMIT_RATE_LIMIT": "off"})[
        "SCRAPERSKY_SUBMIT_RATE_LIMIT"] == ""
    with pytest.raises(ConfigError, match="SCRAPERSKY_SUBMIT_RATE_LIMIT"):
        load_settings({"SCRAPERSKY_SUBMIT_RATE_LIMIT": "lots"})


def test_logged_in_pages_offer_logout_and_api_docs(client):
    assert 'action="/logout"' not in client.get("/login").get_data(as_text=True)
    client.post("/login", data={"token": ALICE})
    page = client.get("/contacts").get_data(as_text=True)
    assert 'action="/logout"' in page and "alice" in page and 'href="/api/docs"' in page


def test_logged_in_browser_can_use_the_job_pages_export_links(client, secured):
    client.post("/login", data={"token": ALICE})
    client.post("/scan", data={"url": "https://c.com"})
    with secured.app_context():
        job_id = db.session.scalars(select(Job.job_id)).one()
    export = client.get(f"/api/v3/email-scan/jobs/{job_id}/contacts?format=csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert client.post("/api/v3/email-scan/scan/website",
                       json={"domain": "d.com"}).status_code == 401  # writes need a token
