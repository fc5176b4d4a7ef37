"""Closed unless opened: no open server beyond loopback, only served Host names answered, and
clients told apart (rate limits, Secure cookies) through a counted number of proxies."""

from __future__ import annotations

import logging
import os
import runpy
import subprocess
from pathlib import Path
from types import SimpleNamespace

import flask_migrate
import pytest
import yaml

from scrapersky import create_app
from scrapersky.config import ConfigError, load_settings
from scrapersky.exposure import is_loopback_bind, open_bind_refusal
from scrapersky.extensions import db
from tests.processes import FLASK, GUNICORN, free_port

ROOT = Path(__file__).resolve().parent.parent
JOBS = "/api/v3/email-scan/jobs"
ALICE = "alice-token-0123456789"
BOTH_WAYS_OUT = ("SCRAPERSKY_API_TOKENS", "SCRAPERSKY_ALLOW_OPEN=true")


@pytest.fixture
def make_app(app_config: dict):
    """Make apps on the migrated test database with extra settings; engines closed after."""
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


@pytest.mark.parametrize(("bind", "is_loopback"), [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("[::1]:8000", True),
    ("127.0.0.2:80", True), ("::1", True), ("unix:/run/scrapersky.sock", True),
    ("0.0.0.0:8000", False), ("[::]:8000", False), ("0.0.0.0", False),
    ("192.168.1.5:80", False), ("scan.example.com:80", False)])
def test_loopback_binds(bind, is_loopback):
    assert is_loopback_bind(bind) is is_loopback


def test_open_bind_is_refused_naming_both_ways_out(caplog):
    refusal = open_bind_refusal(["127.0.0.1:8000", "0.0.0.0:9000"], False, False)
    assert "0.0.0.0:9000" in refusal and "127.0.0.1:8000" not in refusal
    assert all(way in refusal for way in BOTH_WAYS_OUT)
    assert open_bind_refusal(["0.0.0.0:8000"], True, False) is None
    assert open_bind_refusal(["127.0.0.1:8000"], False, False) is None
    with caplog.at_level(logging.WARNING, logger="scrapersky"):
        assert open_bind_refusal(["0.0.0.0:8000"], False, True) is None
    assert "SCRAPERSKY_ALLOW_OPEN=true" in caplog.text  # opened on purpose, still said


def on_starting(monkeypatch, tmp_path, bind: str, **environ: str):
    """Run gunicorn.conf.py's start check for a bind, with these settings."""
    monkeypatch.setenv("SCRAPERSKY_INSTANCE_PATH", str(tmp_path))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    hooks["on_starting"](SimpleNamespace(cfg=SimpleNamespace(bind=[bind])))


def test_gunicorn_config_checks_the_bind_it_is_given(monkeypatch, tmp_path):
    with pytest.raises(ConfigError, match="refusing to serve 0.0.0.0:8000"):
        on_starting(monkeypatch, tmp_path, "0.0.0.0:8000")
    on_starting(monkeypatch, tmp_path, "127.0.0.1:8000")
    on_starting(monkeypatch, tmp_path, "0.0.0.0:8000", SCRAPERSKY_ALLOW_OPEN="true")
    on_starting(monkeypatch, tmp_path, "0.0.0.0:8000", SCRAPERSKY_ALLOW_OPEN="false",
                SCRAPERSKY_API_TOKENS=ALICE)


def server_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPERSKY_INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite", **settings}


def test_gunicorn_refuses_to_serve_an_open_bind(tmp_path):
    port = free_port()
    env = server_env(tmp_path, GUNICORN_BIND=f"0.0.0.0:{port}")
    done = subprocess.run([str(GUNICORN), "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert f"Error: refusing to serve 0.0.0.0:{port}" in done.stderr
    assert all(way in done.stderr for way in BOTH_WAYS_OUT)
    assert "Listening at" not in done.stderr


def test_flask_run_refuses_an_open_host(tmp_path):
    args = [str(FLASK), "--app", "app", "run", "--host", "0.0.0.0", "--port", str(free_port())]
    done = subprocess.run(args, cwd=ROOT, env=server_env(tmp_path), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "Error: refusing to serve 0.0.0.0" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_image_listens_everywhere_so_compose_demands_tokens():
    assert "GUNICORN_BIND=0.0.0.0:8000" in (ROOT / "Dockerfile").read_text()
    settings = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-settings"]
    # `?`: compose stops when the variable is unset; no default token or key anywhere.
    assert settings["SCRAPERSKY_API_TOKENS"].startswith("${SCRAPERSKY_API_TOKENS?")
    assert settings["SCRAPERSKY_ALLOW_OPEN"] == "${SCRAPERSKY_ALLOW_OPEN:-false}"
    deployment = (ROOT / "README.md").read_text().split("## Deployment", 1)[1]
    assert "SCRAPERSKY_API_TOKENS=" in deployment.split("\n## ", 1)[0]


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000",
                                  "[::1]:8000", "app.localhost", "LOCALHOST."])
def test_without_tokens_loopback_names_are_served(make_app, host):
    client = make_app().test_client()
    assert client.get(JOBS, headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "192.168.1.5",
                                  "localhost.evil.example", "bad host"])
def test_without_tokens_another_host_gets_400(make_app, host):
    client = make_app().test_client()
    api = client.get(JOBS, headers={"Host": host})
    assert api.status_code == 400
    error = api.get_json()["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == "untrusted_host"
    assert "SCRAPERSKY_TRUSTED_HOSTS" in error["message"]
    page = client.get("/", headers={"Host": host})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert b"SCRAPERSKY_TRUSTED_HOSTS" in page.data
    posted = client.post("/api/v3/email-scan/scan/website", json={"domain": "a.com"},
                         headers={"Host": host})
    assert posted.status_code == 400  # nothing is queued either
    assert client.get(JOBS).get_json()["total"] == 0


def test_probes_reach_health_and_metrics_by_any_host(make_app):
    client = make_app().test_client()
    assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200
    assert client.get("/metrics", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_with_tokens_any_host_reaches_the_token_check(make_app):
    client = make_app(SCRAPERSKY_API_TOKENS=ALICE).test_client()
    assert client.get(JOBS, headers={"Host": "scan.example.com"}).status_code == 401
    ok = client.get(JOBS, headers={"Host": "scan.example.com",
                                   "Authorization": f"Bearer {ALICE}"})
    assert ok.status_code == 200


def test_listed_hosts_replace_the_default_and_are_checked_before_tokens(make_app):
    app = make_app(SCRAPERSKY_API_TOKENS=ALICE,
                   SCRAPERSKY_TRUSTED_HOSTS="scan.example.com, .corp.example, 10.0.0.5")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {ALICE}"}
    for host in ("scan.example.com", "SCAN.example.com:443", "corp.example", "a.b.corp.example",
                 "10.0.0.5:8000"):
        assert client.get(JOBS, headers={"Host": host, **auth}).status_code == 200, host
    for host in ("localhost", "example.com", "xcorp.example", "evil.example"):
        response = client.get(JOBS, headers={"Host": host})
        assert response.status_code == 400, host  # not 401: the Host is checked first


def test_star_serves_any_host(make_app):
    client = make_app(SCRAPERSKY_TRUSTED_HOSTS="*").test_client()
    assert client.get(JOBS, headers={"Host": "anything.example"}).status_code == 200


@pytest.mark.parametrize("value", ["example.com:8000", "bad host", "*, example.com", "a..b"])
def test_bad_trusted_hosts_are_refused_naming_the_setting(value):
    with pytest.raises(ConfigError, match="SCRAPERSKY_TRUSTED_HOSTS"):
        load_settings({"SCRAPERSKY_TRUSTED_HOSTS": value})
    assert load_settings({"SCRAPERSKY_TRUSTED_HOSTS": "[::1], Scan.Example.com."})[
        "SCRAPERSKY_TRUSTED_HOSTS"] == ("::1", "scan.example.com")


def fail_login(client, client_address: str) -> int:
    return client.post("/login", data={"token": "wrong-token-0123456789"},
                       headers={"X-Forwarded-For": client_address}).status_code


def test_behind_a_counted_proxy_others_failures_do_not_lock_out_a_login(make_app):
    app = make_app(SCRAPERSKY_API_TOKENS=ALICE, SCRAPERSKY_PROXY_COUNT=1,
                   SCRAPERSKY_LOGIN_RATE_LIMIT="3/minute")
    attacker, user = app.test_client(), app.test_client()  # both from the proxy's address
    assert [fail_login(attacker, "198.51.100.7") for _ in range(4)] == [401, 401, 401, 429]
    # A forged X-Forwarded-For in front of the proxy's value changes nothing.
    assert fail_login(attacker, "203.0.113.9, 198.51.100.7") == 429
    login = user.post("/login", data={"token": ALICE}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert login.status_code == 302 and user.get("/").status_code == 200


def test_without_a_proxy_count_forwarded_headers_are_ignored(make_app):
    app = make_app(SCRAPERSKY_API_TOKENS=ALICE, SCRAPERSKY_LOGIN_RATE_LIMIT="2/minute")
    client = app.test_client()
    assert [fail_login(client, f"198.51.100.{n}") for n in range(3)] == [401, 401, 429]


def test_successful_logins_use_up_nothing(make_app):
    app = make_app(SCRAPERSKY_API_TOKENS=ALICE, SCRAPERSKY_LOGIN_RATE_LIMIT="2/minute")
    client = app.test_client()
    assert all(client.post("/login", data={"token": ALICE}).status_code == 302
               for _ in range(5))


def login_cookie(app, **request_args):
    client = app.test_client()
    client.post("/login", data={"token": ALICE}, **request_args)
    return client.get_cookie("session", domain="localhost")


@pytest.mark.parametrize(("setting", "request_args", "secure"), [
    ("auto", {}, False),
    ("auto", {"base_url": "https://localhost"}, True),
    ("false", {"base_url": "https://localhost"}, False),
    ("true", {}, True),
])
def test_session_cookie_secure_setting(make_app, setting, request_args, secure):
    app = make_app(SCRAPERSKY_API_TOKENS=ALICE,
                   SESSION_COOKIE_SECURE=load_settings({"SESSION_COOKIE_SECURE": setting})[
                       "SESSION_COOKIE_SECURE"])
    assert login_cookie(app, **request_args).secure is secure


@pytest.mark.parametrize(("proxies", "secure"), [(1, True), (0, False)])
def test_https_seen_through_a_counted_proxy_makes_the_cookie_secure(make_app, proxies, secure):
    app = make_app(SCRAPERSKY_API_TOKENS=ALICE, SCRAPERSKY_PROXY_COUNT=proxies)
    cookie = login_cookie(app, headers={"X-Forwarded-Proto": "https"})
    assert cookie.secure is secure


def test_proxy_forwarded_host_is_the_host_checked(make_app):
    app = make_app(SCRAPERSKY_PROXY_COUNT=1, SCRAPERSKY_TRUSTED_HOSTS="scan.example.com")
    client = app.test_client()
    forwarded = client.get(JOBS, headers={"X-Forwarded-Host": "scan.example.com"})
    assert forwarded.status_code == 200
    assert client.get(JOBS, headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
