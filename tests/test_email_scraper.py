"""The scan task against loopback sites: found addresses, stored rows, failure reasons."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import func, select, update

from scrapersky.extensions import db
from scrapersky.models import Contact, Domain, Job, Page
from scrapersky.models.clock import as_utc, utcnow
from scrapersky.models.job import submit_scan
from scrapersky.models.job_states import claim_job, select_pending_job_ids
from scrapersky.sites import parse_site
from scrapersky.tasks.email_scraper import scan_website_for_emails
from tests.sites import serve_site


def queue_and_claim(app, url: str) -> str:
    """Queue a job for a URL and claim it, as the scheduler would; return its job_id."""
    site = parse_site(url)
    with app.app_context():
        job, _ = submit_scan(db.session, site.key, site.start_url, "tester")
        assert claim_job(db.session, job.id, "test-worker")
        job_id = job.job_id
        db.session.remove()
    return job_id


def run_scan(app, url: str) -> Job:
    job_id = queue_and_claim(app, url)
    with app.app_context():
        scan_website_for_emails(job_id, "tester")
        return db.session.scalars(select(Job).where(Job.job_id == job_id)).one()


def test_scan_finds_addresses_across_the_site(app, test_site):
    job = run_scan(app, test_site.url)
    assert job.status == "COMPLETE", job.error
    assert job.progress == 1.0
    assert job.finished_at is not None
    assert job.result_data["emails"] == [
        "info@acme.dev", "maria.lopez@acme.dev", "press@acme.dev", "sales@acme.dev"]
    assert job.result_data["pages_scanned"] == 3
    assert job.result_data["contacts_found"] == 4
    assert not any("elsewhere" in path for path in test_site.requests)
    with app.app_context():
        contact = db.session.scalars(select(Contact).where(Contact.email == "sales@acme.dev")).one()
        assert contact.source_url == test_site.url + "contact"
        assert "Sales" in contact.context
        mailto = db.session.scalars(select(Contact).where(Contact.email == "info@acme.dev")).one()
        assert mailto.method == "mailto"


def test_rescan_adds_no_duplicates(app, test_site):
    run_scan(app, test_site.url)
    second = run_scan(app, test_site.url)
    assert second.status == "COMPLETE"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 4
        assert db.session.scalar(select(func.count()).select_from(Page)) == 3
        contacts = db.session.scalars(select(Contact)).all()
        assert {c.source_job_id for c in contacts} == {second.id}


def test_scan_stays_within_max_pages(app, app_config):
    pages = {"/": ("text/html", "".join(f'<a href="/p{n}">p{n}</a>' for n in range(30)))}
    pages.update({f"/p{n}": ("text/html", f"<p>p{n}@acme.dev</p>") for n in range(30)})
    app.config["EMAIL_SCAN_MAX_PAGES"] = 4
    with serve_site(pages) as site:
        job = run_scan(app, site.url)
    assert job.status == "COMPLETE"
    assert job.result_data["pages_scanned"] <= 4
    assert len([p for p in site.requests if p.startswith("/p")]) <= 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("pages", "reason"),
    [
        ({"/": (404, "text/html", "<h1>gone</h1>")}, "404"),
        ({"/": (403, "text/html", "<h1>go away</h1>")}, "403"),
        ({"/": ("application/pdf", b"%PDF-1.4 binary")}, "HTML"),
    ],
)
def test_unusable_start_page_fails_the_job_with_its_reason(app, pages, reason):
    with serve_site(pages) as site:
        job = run_scan(app, site.url)
    assert job.status == "FAILED"
    assert reason in job.error
    assert job.attempts == 1


def test_server_error_on_start_page_is_retried_with_backoff_then_fails(app):
    app.config["EMAIL_SCAN_MAX_ATTEMPTS"] = 2
    with serve_site({"/": (503, "text/html", "<h1>busy</h1>")}) as site:
        first = run_scan(app, site.url)
        assert first.status == "PENDING"
        assert "HTTP 503" in first.error and "will retry" in first.error
        assert as_utc(first.run_after) > utcnow()
        with app.app_context():
            assert select_pending_job_ids(db.session, 10) == []  # not due yet
            db.session.execute(update(Job).values(run_after=None))
            db.session.commit()
        second = run_scan(app, site.url)
    assert second.job_id == first.job_id
    assert (second.status, second.attempts) == ("FAILED", 2)
    assert "HTTP 503" in second.error


def test_refused_connection_fails_the_job(app):
    job = run_scan(app, f"http://127.0.0.1:{free_port()}/")
    assert job.status == "FAILED"
    assert "refused" in job.error.lower()


def test_unresolvable_host_fails_the_job(app):
    job = run_scan(app, "http://nosuchhost.invalid/")
    assert job.status == "FAILED"
    assert "dns" in job.error.lower() or "resolve" in job.error.lower()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_addresses_are_refused_by_default(app, test_site, host):
    app.config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"] = False
    job = run_scan(app, test_site.url.replace("127.0.0.1", host))
    assert job.status == "FAILED"
    assert "not allowed" in job.error
    assert test_site.requests == []


def test_scan_of_job_that_is_not_running_does_nothing(app, test_site):
    site = parse_site(test_site.url)
    with app.app_context():
        job, _ = submit_scan(db.session, site.key, site.start_url, "tester")
        assert scan_website_for_emails(job.job_id, "tester") == "PENDING"
    assert test_site.requests == []


def test_crawl_counters_are_recorded_on_the_job(app, client, test_site):
    job = run_scan(app, test_site.url)
    crawl = job.result_data["crawl"]
    assert crawl["fetched"] == 3 and crawl["requests"] >= 4 and crawl["failed"] == 0
    status = client.get(f"/api/v3/email-scan/scan/status/{job.job_id}").get_json()
    assert status["result"]["crawl"]["fetched"] == 3
    assert "3 fetched" in client.get(f"/jobs/{job.job_id}").get_data(as_text=True)


def test_rescan_tells_which_contacts_the_latest_scan_still_found(app):
    pages = {"/": ("text/html", "<p>old@acme.dev and kept@acme.dev</p>")}
    with serve_site(pages) as site:
        first = run_scan(app, site.url)
        pages["/"] = ("text/html", "<p>kept@acme.dev and new@acme.dev</p>")
        second = run_scan(app, site.url)
    with app.app_context():
        domain = db.session.get(Domain, second.domain_id)
        assert domain.last_job_id == second.id
        contacts = {c.email: c for c in db.session.scalars(select(Contact))}
        still_found = {e for e, c in contacts.items() if c.source_job_id == domain.last_job_id}
        assert still_found == {"kept@acme.dev", "new@acme.dev"}
        assert contacts["old@acme.dev"].source_job_id == first.id
        assert as_utc(contacts["kept@acme.dev"].first_seen_at) < as_utc(
            contacts["kept@acme.dev"].last_seen_at)


def test_a_scan_cancelled_before_it_ends_leaves_the_site_stamped_by_the_last_finished_one(app):
    # Cancelled after its last page is stored: the claim is lost at the job's final update.
    with serve_site({"/": ("text/html", "<p>kept@acme.dev</p>")}) as site:
        first = run_scan(app, site.url)
        job_id = queue_and_claim(app, site.url)
        with app.app_context():
            def cancel(_result: dict) -> None:
                db.session.execute(update(Job).where(Job.job_id == job_id)
                                   .values(status="CANCELLED", claim_token=None))
                db.session.commit()

            assert scan_website_for_emails(job_id, "tester",
                                           on_progress=cancel) == "CANCELLED"
            domain = db.session.get(Domain, first.domain_id)
            assert domain.last_job_id == first.id


def test_job_errors_name_the_category_never_the_address_or_port(app, monkeypatch, caplog):
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "intranet.acme.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    app.config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"] = False
    job = run_scan(app, "http://intranet.acme.test:8080/")
    assert (job.status, job.error) == ("FAILED", "start page failed: intranet.acme.test "
                                       "resolves to a private network address, which scans "
                                       "are not allowed to reach")
    assert "10.0.0.1" in caplog.text  # the log keeps the detail
    app.config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"] = True
    port = free_port()
    refused = run_scan(app, f"http://127.0.0.1:{port}/")
    assert refused.error == "start page failed: 127.0.0.1 refused the connection"
    assert f":{port}" in caplog.text
