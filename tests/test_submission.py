"""The cap on pending jobs per user: past SCRAPERSKY_MAX_PENDING_PER_USER a submit gets 429
in the error shape and queues nothing; other users and finished jobs are not counted."""

from __future__ import annotations

import flask_migrate
import pytest

from scrapersky import create_app
from scrapersky.config import ConfigError, load_settings
from scrapersky.extensions import db

SUBMIT = "/api/v3/email-scan/scan/website"
BULK = "/api/v3/email-scan/scan/websites"
JOBS = "/api/v3/email-scan/jobs"
ALICE = "alice-token-0123456789"
BOB = "bob-token-0123456789ab"


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


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(make_app):
    """A client of an app with two users and a cap of three pending jobs each."""
    app = make_app(SCRAPERSKY_MAX_PENDING_PER_USER=3,
                   SCRAPERSKY_API_TOKENS=f"alice:{ALICE},bob:{BOB}")
    return app.test_client()


def submit(client, site: str, token: str = ALICE):
    return client.post(SUBMIT, json={"domain": site}, headers=bearer(token))


def pending_count(client, token: str = ALICE) -> int:
    return client.get(f"{JOBS}?status=PENDING", headers=bearer(token)).get_json()["total"]


def test_past_the_cap_a_submit_gets_429_in_the_error_shape(client):
    assert [submit(client, f"s{n}.example.com").status_code for n in range(3)] == [202] * 3
    refused = submit(client, "s3.example.com")
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_pending_jobs"
    assert "alice has 3 queued scans" in error["message"] and "at most 3" in error["message"]
    assert error["details"] == {"pending": [3], "limit": [3], "requested": [1]}
    assert pending_count(client) == 3


def test_a_bulk_list_that_would_pass_the_cap_queues_nothing(client):
    assert submit(client, "a.example.com").status_code == 202
    refused = client.post(BULK, json={"sites": ["b.example.com", "c.example.com",
                                                 "d.example.com"]}, headers=bearer(ALICE))
    assert refused.status_code == 429
    assert refused.get_json()["error"]["details"]["requested"] == [3]
    assert pending_count(client) == 1
    fits = client.post(BULK, json={"sites": ["b.example.com", "c.example.com"]},
                       headers=bearer(ALICE))
    assert fits.status_code == 202 and pending_count(client) == 3


def test_the_cap_is_per_user_and_counts_only_pending_jobs(client):
    for n in range(3):
        submit(client, f"s{n}.example.com")
    assert submit(client, "bob.example.com", BOB).status_code == 202  # bob has his own cap
    jobs = client.get(f"{JOBS}?status=PENDING", headers=bearer(ALICE)).get_json()["jobs"]
    mine = next(job for job in jobs if job["created_by"] == "alice")
    cancel = client.post(f"/api/v3/email-scan/jobs/{mine['job_id']}/cancel",
                         headers=bearer(ALICE))
    assert cancel.status_code == 200
    assert submit(client, "s3.example.com").status_code == 202  # a place became free
    retried = client.post(f"/api/v3/email-scan/jobs/{mine['job_id']}/retry",
                          headers=bearer(ALICE))
    assert retried.status_code == 429  # a retry queues a job too


def test_the_dashboard_says_why_nothing_was_queued(make_app):
    app = make_app(SCRAPERSKY_MAX_PENDING_PER_USER=1)
    client = app.test_client()
    assert client.post("/scan", data={"url": "a.example.com"}).status_code == 302
    refused = client.post("/scan", data={"url": "b.example.com"})
    assert refused.status_code == 429
    assert "Not queued: anonymous has 1 queued scans" in refused.get_data(as_text=True)
    bulk = client.post("/scan/bulk", data={"sites": "c.example.com\nd.example.com"})
    assert bulk.status_code == 429
    assert client.get(f"{JOBS}?status=PENDING").get_json()["total"] == 1


def test_the_cap_can_be_turned_off(make_app):
    client = make_app(SCRAPERSKY_MAX_PENDING_PER_USER=0).test_client()
    sites = [f"s{n}.example.com" for n in range(5)]
    assert client.post(BULK, json={"sites": sites}).status_code == 202


def test_the_cap_setting():
    assert load_settings({})["SCRAPERSKY_MAX_PENDING_PER_USER"] == 1000
    assert load_settings({"SCRAPERSKY_MAX_PENDING_PER_USER": "off"})[
        "SCRAPERSKY_MAX_PENDING_PER_USER"] == 0
    for bad in ("-1", "lots"):
        with pytest.raises(ConfigError, match="SCRAPERSKY_MAX_PENDING_PER_USER"):
            load_settings({"SCRAPERSKY_MAX_PENDING_PER_USER": bad})
