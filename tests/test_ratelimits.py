"""Flood control: every submitted site counts against the submit limit, and the counters hold
across processes (the default file in the instance folder is shared by gunicorn's workers)."""

from __future__ import annotations

import io

import flask_migrate
import pytest
import requests

from scrapersky import create_app
from scrapersky.config import ConfigError, load_settings
from scrapersky.extensions import db
from scrapersky.ratelimit_storage import SQLiteStorage, storage_uri_for
from tests.processes import free_port, gunicorn_args, wait_for_server, wait_until

SUBMIT = "/api/v3/email-scan/scan/website"
BULK = "/api/v3/email-scan/scan/websites"
JOBS = "/api/v3/email-scan/jobs"


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


def sites(first: int, count: int) -> list[str]:
    return [f"s{n}.example.com" for n in range(first, first + count)]


def test_each_site_of_a_bulk_list_counts_against_the_submit_limit(make_app):
    client = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="5/minute").test_client()
    first = client.post(BULK, json={"sites": sites(0, 3)})
    assert first.status_code == 202 and first.headers["X-RateLimit-Remaining"] == "2"
    too_many = client.post(BULK, json={"sites": sites(3, 3)})
    assert too_many.status_code == 429
    error = too_many.get_json()["error"]
    assert error["code"] == "too_many_requests" and "each site of a bulk list" in error["message"]
    assert int(too_many.headers["Retry-After"]) > 0
    # The refused list used up nothing: two single sites still fit, the third does not.
    assert [client.post(SUBMIT, json={"domain": site}).status_code
            for site in sites(10, 3)] == [202, 202, 429]
    assert client.get(JOBS).get_json()["total"] == 5


def test_refused_input_uses_up_no_budget(make_app):
    client = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="2/minute").test_client()
    for _ in range(3):
        assert client.post(SUBMIT, json={"url": "ftp://nope"}).status_code == 422
    assert client.post(BULK, json={"sites": sites(0, 2)}).status_code == 202


def test_dashboard_bulk_counts_each_line_and_each_csv_row(make_app):
    client = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="4/minute").test_client()
    pasted = client.post("/scan/bulk", data={"sites": "\n".join(sites(0, 3))})
    assert pasted.status_code == 200
    upload = (io.BytesIO(b"url\nhttps://a.example.org\nhttps://b.example.org\n"), "sites.csv")
    refused = client.post("/scan/bulk", data={"csv_file": upload},
                          content_type="multipart/form-data")
    assert refused.status_code == 429  # 3 + 2 > 4
    assert client.post("/scan", data={"url": "one.example.org"}).status_code == 302
    assert client.get(JOBS).get_json()["total"] == 4


def test_two_processes_share_the_default_counters(make_app):
    first = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="3/minute")
    second = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="3/minute")  # its own limiter, same file
    assert first.test_client().post(BULK, json={"sites": sites(0, 2)}).status_code == 202
    assert second.test_client().post(BULK, json={"sites": sites(2, 2)}).status_code == 429
    assert second.test_client().post(SUBMIT, json={"domain": "x.example.com"}).status_code == 202


def test_memory_storage_counts_per_process(make_app):
    first = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="2/minute",
                     SCRAPERSKY_RATE_LIMIT_STORAGE_URI="memory://")
    second = make_app(SCRAPERSKY_SUBMIT_RATE_LIMIT="2/minute",
                      SCRAPERSKY_RATE_LIMIT_STORAGE_URI="memory://")
    assert first.test_client().post(BULK, json={"sites": sites(0, 2)}).status_code == 202
    assert second.test_client().post(BULK, json={"sites": sites(2, 2)}).status_code == 202


@pytest.mark.slow
def test_the_limit_holds_across_gunicorn_workers(processes, env):
    port = free_port()
    server = processes.start("gunicorn", gunicorn_args(), {
        **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "3",
        "SCRAPERSKY_SUBMIT_RATE_LIMIT": "4/minute", "EMAIL_SCAN_SCHEDULER_ENABLED": "false"})
    base = f"http://127.0.0.1:{port}"
    wait_for_server(server, f"{base}/healthz")
    wait_until(lambda: server.stderr().count("Booting worker") >= 3, 20, "three workers")
    statuses = []
    for site in sites(0, 12):
        # A new connection each time: SO_REUSEPORT spreads them over the workers.
        with requests.Session() as session:
            statuses.append(session.post(f"{base}{SUBMIT}", json={"domain": site},
                                         timeout=10).status_code)
    assert sorted(statuses) == [202] * 4 + [429] * 8, server.describe()


def test_storage_setting_is_checked():
    assert load_settings({})["SCRAPERSKY_RATE_LIMIT_STORAGE_URI"] == ""
    assert load_settings({"SCRAPERSKY_RATE_LIMIT_STORAGE_URI": "memory://"})[
        "SCRAPERSKY_RATE_LIMIT_STORAGE_URI"] == "memory://"
    with pytest.raises(ConfigError, match="SCRAPERSKY_RATE_LIMIT_STORAGE_URI"):
        load_settings({"SCRAPERSKY_RATE_LIMIT_STORAGE_URI": "bogus://x"})
    for name in ("SCRAPERSKY_SUBMIT_RATE_LIMIT", "SCRAPERSKY_LOGIN_RATE_LIMIT"):
        assert load_settings({name: "off"})[name] == ""


def test_counter_file_keeps_fixed_windows(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("scrapersky.ratelimit_storage.time.time", lambda: clock[0])
    storage = SQLiteStorage(storage_uri_for(str(tmp_path / "limits.db")))
    other = SQLiteStorage(storage_uri_for(str(tmp_path / "limits.db")))  # another process
    assert storage.incr("k", 60, amount=3) == 3
    assert other.incr("k", 60) == 4 and storage.get("k") == 4
    assert storage.get_expiry("k") == 1060.0
    clock[0] = 1061.0  # the window ended: counting starts again
    assert storage.get("k") == 0 and other.incr("k", 60, amount=2) == 2
    storage.clear("k")
    assert other.get("k") == 0 and storage.check()
