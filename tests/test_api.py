"""The JSON API: submit (one and bulk), validation, dedupe, status, job and contact lists,
contact export."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from scrapersky.extensions import db
from scrapersky.models import Contact, Domain, Job, TaskStatus

SUBMIT = "/api/v3/email-scan/scan/website"
BULK = "/api/v3/email-scan/scan/websites"
CONTACTS = "/api/v3/email-scan/contacts"


def count_jobs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job))


def test_submit_records_pending_job_and_answers_202(client, app):
    response = client.post(SUBMIT, json={"url": "https://Example.ORG:443/about?x=1"})
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "PENDING"
    assert body["domain"] == "example.org"
    assert body["deduplicated"] is False
    assert body["status_url"] == f"/api/v3/email-scan/scan/status/{body['job_id']}"
    with app.app_context():
        job = db.session.scalars(select(Job)).one()
        assert (job.job_type, job.status, job.attempts) == ("email_scan", "PENDING", 0)
        assert job.start_url == "https://example.org/"


def test_submit_never_starts_a_scan(client, app, test_site):
    client.post(SUBMIT, json={"url": test_site.url})
    assert test_site.requests == []
    status = client.get(client.post(SUBMIT, json={"url": test_site.url}).json["status_url"])
    assert status.json["status"] == "PENDING"


@pytest.mark.parametrize("payload", [{"domain": "bücher.de"}, {"url": "http://xn--bcher-kva.de/"}])
def test_idn_sites_are_stored_in_ascii(client, payload):
    response = client.post(SUBMIT, json=payload)
    assert response.status_code == 202
    assert response.json["domain"] == "xn--bcher-kva.de"


def test_active_job_for_same_site_is_returned(client, app):
    first = client.post(SUBMIT, json={"url": "https://acme.dev"}).get_json()
    for variant in ({"domain": "www.ACME.dev"}, {"url": "http://acme.dev/contact"}):
        again = client.post(SUBMIT, json=variant)
        assert again.status_code == 202
        assert again.json["job_id"] == first["job_id"]
        assert again.json["deduplicated"] is True
    assert count_jobs(app) == 1


def test_finished_job_does_not_block_a_new_scan(client, app):
    first = client.post(SUBMIT, json={"domain": "acme.dev"}).json
    with app.app_context():
        job = db.session.scalars(select(Job)).one()
        job.status = TaskStatus.COMPLETE.value
        db.session.commit()
    second = client.post(SUBMIT, json={"domain": "acme.dev"}).json
    assert second["job_id"] != first["job_id"] and second["deduplicated"] is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": "ftp://example.com"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://" + "a" * 10_000 + ".com"}, "url"),
        ({"url": 42}, "url"),
        ({"url": "https://user:pw@example.com"}, "url"),
        ({"url": "https://exa mple.com"}, "url"),
        ({"url": "https://localhost_1/"}, "url"),
        ({"domain": "ab--cd.com"}, "domain"),  # ASCII, yet not a valid IDNA label
        ({"url": "https://xn--abc.com"}, "url"),  # an A-label that is not Punycode
        ({"domain": "https://example.com"}, "domain"),
        ({"domain": "nodots"}, "domain"),
        ({"url": "https://a.com", "domain": "a.com"}, "_schema"),
        ({"url": "https://a.com", "extra": 1}, "extra"),
    ],
)
def test_bad_input_gets_422_naming_the_field(client, app, payload, field):
    response = client.post(SUBMIT, json=payload)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]
    assert count_jobs(app) == 0


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("{not json", "application/json"), ('["https://a.com"]', "application/json"),
     ("url=https://a.com", "application/x-www-form-urlencoded"), ("null", "application/json")],
)
def test_body_that_is_not_a_json_object_gets_400(client, app, data, content_type):
    response = client.post(SUBMIT, data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert count_jobs(app) == 0


def test_status_reports_the_job(client):
    job_id = client.post(SUBMIT, json={"domain": "acme.dev"}).json["job_id"]
    body = client.get(f"/api/v3/email-scan/scan/status/{job_id}").get_json()
    assert body["job_id"] == job_id
    assert body["job_type"] == "email_scan"
    assert body["status"] == "PENDING"
    assert body["progress"] == 0
    assert body["attempts"] == 0
    assert body["started_at"] is None and body["finished_at"] is None
    assert body["result"] == {"emails": [], "pages_scanned": 0, "contacts_found": 0,
                              "pages_failed": 0, "crawl": {}}
    assert body["created_at"].endswith("+00:00")


def test_status_of_unknown_job_is_404_and_malformed_id_400(client):
    unknown = client.get(f"/api/v3/email-scan/scan/status/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "not_found"
    malformed = client.get("/api/v3/email-scan/scan/status/not-a-job")
    assert malformed.status_code == 400
    assert "job_id" in malformed.get_json()["error"]["details"]


def test_unknown_api_route_and_wrong_method_answer_in_the_json_error_shape(client):
    assert client.get("/api/v3/email-scan/nope").get_json()["error"]["code"] == "not_found"
    wrong = client.get(SUBMIT)
    assert wrong.status_code == 405
    assert set(wrong.get_json()["error"]) == {"code", "message", "details"}


def test_job_list_filters_by_status_and_paginates(client):
    for n in range(3):
        client.post(SUBMIT, json={"domain": f"site{n}.dev"})
    listed = client.get("/api/v3/email-scan/jobs?per_page=2").get_json()
    assert listed["total"] == 3 and len(listed["jobs"]) == 2
    assert listed["jobs"][0]["domain"] == "site2.dev"
    assert client.get("/api/v3/email-scan/jobs?status=RUNNING").json["total"] == 0
    bad = client.get("/api/v3/email-scan/jobs?status=SLEEPING")
    assert bad.status_code == 422 and "status" in bad.json["error"]["details"]


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok",
                                   "scheduler_last_tick_age_seconds": None}


def test_cancel_a_pending_job_then_retry_it_as_a_new_job(client):
    job_id = client.post(SUBMIT, json={"domain": "acme.dev"}).json["job_id"]
    cancelled = client.post(f"/api/v3/email-scan/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "CANCELLED" and cancelled.json["finished_at"]
    again = client.post(f"/api/v3/email-scan/jobs/{job_id}/cancel")
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    retried = client.post(f"/api/v3/email-scan/jobs/{job_id}/retry")
    assert retried.status_code == 202
    assert retried.json["job_id"] != job_id and retried.json["status"] == "PENDING"
    assert client.post(f"/api/v3/email-scan/jobs/{retried.json['job_id']}/retry").status_code == 409


def test_cancel_and_retry_of_unknown_or_malformed_jobs(client):
    assert client.post(f"/api/v3/email-scan/jobs/{uuid.uuid4()}/cancel").status_code == 404
    assert client.post("/api/v3/email-scan/jobs/nope/retry").status_code == 400


def test_bulk_submit_answers_per_item_in_order(client, app):
    client.post(SUBMIT, json={"domain": "busy.dev"})
    response = client.post(BULK, json={"sites": [
        "https://a.com", "b.org", {"url": "https://c.net/x"}, {"domain": "www.busy.dev"},
        "ftp://nope.com", {"domain": "https://d.com"}, 42, "B.org"]})
    assert response.status_code == 202
    body = response.get_json()
    assert (body["queued"], body["already_active"], body["invalid"]) == (3, 2, 3)
    statuses = [(r["input"], r["status"]) for r in body["results"]]
    assert statuses == [
        ("https://a.com", "queued"), ("b.org", "queued"), ({"url": "https://c.net/x"}, "queued"),
        ({"domain": "www.busy.dev"}, "already_active"), ("ftp://nope.com", "invalid"),
        ({"domain": "https://d.com"}, "invalid"), (42, "invalid"), ("B.org", "already_active")]
    queued = body["results"][0]
    assert queued["domain"] == "a.com"
    assert queued["status_url"] == f"/api/v3/email-scan/scan/status/{queued['job_id']}"
    assert body["results"][7]["job_id"] == body["results"][1]["job_id"]
    assert "domain" in body["results"][5]["error"] and "job_id" not in body["results"][4]
    assert count_jobs(app) == 4


def test_bulk_submit_answers_200_when_nothing_was_queued(client):
    client.post(SUBMIT, json={"domain": "a.com"})
    response = client.post(BULK, json={"sites": ["a.com", "not a url"]})
    assert response.status_code == 200
    assert (response.json["queued"], response.json["already_active"],
            response.json["invalid"]) == (0, 1, 1)


@pytest.mark.parametrize("payload", [{}, {"sites": []}, {"sites": "a.com"},
                                     {"sites": [f"s{n}.com" for n in range(501)]},
                                     {"sites": ["a.com"], "extra": 1}])
def test_bulk_submit_refuses_a_bad_list_as_a_whole(client, app, payload):
    response = client.post(BULK, json=payload)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert count_jobs(app) == 0


def test_bulk_submit_takes_500_sites(client, app):
    response = client.post(BULK, json={"sites": [f"s{n}.com" for n in range(500)]})
    assert response.status_code == 202 and response.json["queued"] == 500


def test_job_list_filters_by_part_of_the_site(client):
    for domain in ("shop.acme.dev", "acme.org", "other.dev"):
        client.post(SUBMIT, json={"domain": domain})
    listed = client.get("/api/v3/email-scan/jobs?q=ACME").get_json()
    assert sorted(job["domain"] for job in listed["jobs"]) == ["acme.org", "shop.acme.dev"]
    assert listed["total"] == 2
    assert client.get("/api/v3/email-scan/jobs?q=%25").json["total"] == 0
    assert client.get("/api/v3/email-scan/jobs?q=").status_code == 422


def add_contacts(app) -> None:
    with app.app_context():
        for host, emails in (("acme.dev", [("info@acme.dev", "corporate"),
                                           ("acme@gmail.com", "free")]),
                             ("shop.dev", [("help@shop.dev", "service")])):
            domain = Domain(host=host)
            db.session.add(domain)
            db.session.flush()
            for email, email_type in emails:
                db.session.add(Contact(domain_id=domain.id, email=email, email_type=email_type,
                                       source_url=f"https://{host}/contact", context=email))
        db.session.commit()


def test_contact_list_filters_by_type_and_site_and_paginates(client, app):
    add_contacts(app)
    everything = client.get(CONTACTS).get_json()
    assert everything["total"] == 3 and everything["page"] == 1
    first = everything["contacts"][0]
    assert {"email", "email_type", "source_url", "context", "domain", "first_seen_at",
            "last_seen_at", "still_found"} <= set(first)
    by_type = client.get(f"{CONTACTS}?email_type=free").json["contacts"]
    assert [(c["email"], c["domain"]) for c in by_type] == [("acme@gmail.com", "acme.dev")]
    by_site = client.get(f"{CONTACTS}?site=shop").json["contacts"]
    assert [c["email"] for c in by_site] == ["help@shop.dev"]
    page = client.get(f"{CONTACTS}?per_page=2&page=2").get_json()
    assert page["total"] == 3 and len(page["contacts"]) == 1
    bad = client.get(f"{CONTACTS}?email_type=spam&per_page=0")
    assert bad.status_code == 422
    assert {"email_type", "per_page"} <= set(bad.json["error"]["details"])
