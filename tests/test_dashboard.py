"""The HTML dashboard: submit form (CSRF), job table, job page, escaping."""

from __future__ import annotations

import re

from sqlalchemy import select

from scrapersky.extensions import db
from scrapersky.models import Contact, Job, TaskStatus
from scrapersky.models.job import get_or_create_domain
from tests.test_email_scraper import run_scan


def csrf_token(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_dashboard_shows_form_and_empty_table(client):
    html = client.get("/").get_data(as_text=True)
    assert '<form method="post" action="/scan">' in html
    assert "No jobs yet" in html
    assert 'http-equiv="refresh"' not in html


def test_form_submit_queues_a_job_and_lists_it(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/scan", data={"url": "Acme.dev", "csrf_token": csrf_token(client)},
                           follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "acme.dev: queued" in html
    assert re.search(r'<span class="badge pending">PENDING</span>', html)
    assert 'http-equiv="refresh"' in html  # refreshes itself while a job is active
    with app.app_context():
        assert db.session.scalars(select(Job)).one().status == "PENDING"


def test_form_without_csrf_token_is_refused(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/scan", data={"url": "acme.dev"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Job)).first() is None


def test_form_with_bad_site_shows_the_reason(client, app):
    response = client.post("/scan", data={"url": "ftp://acme.dev"})
    assert response.status_code == 400
    assert "scheme &#39;ftp&#39; is not supported" in response.get_data(as_text=True)


def test_job_page_shows_contacts_and_pages(client, app, test_site):
    job = run_scan(app, test_site.url)
    html = client.get(f"/jobs/{job.job_id}").get_data(as_text=True)
    assert "COMPLETE" in html
    assert "sales@acme.dev" in html
    assert test_site.url + "contact" in html
    assert f"/api/v3/email-scan/jobs/{job.job_id}/contacts?format=csv" in html
    dashboard = client.get("/").get_data(as_text=True)
    assert f"/jobs/{job.job_id}" in dashboard
    assert 'http-equiv="refresh"' not in dashboard


def test_scraped_text_is_escaped(client, app):
    with app.app_context():
        domain = get_or_create_domain(db.session, "evil.dev")
        job = Job(domain_id=domain.id, start_url="https://evil.dev/",
                  status=TaskStatus.COMPLETE.value, result_data={"emails": ["x@evil.dev"]},
                  error="<img src=x onerror=alert(2)>")
        db.session.add(job)
        db.session.flush()
        db.session.add(Contact(domain_id=domain.id, email="x@evil.dev", source_job_id=job.id,
                               context="<script>alert(1)</script> x@evil.dev",
                               source_url="javascript:alert(3)"))
        db.session.commit()
        job_id = job.job_id
    html = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x onerror" not in html
    assert 'href="javascript:' not in html


def test_unknown_job_page_is_404(client):
    assert client.get("/jobs/00000000-0000-0000-0000-000000000000").status_code == 404


def test_contacts_export_csv_and_json(client, app, test_site):
    job = run_scan(app, test_site.url)
    url = f"/api/v3/email-scan/jobs/{job.job_id}/contacts"
    body = client.get(url).get_json()
    assert [c["email"] for c in body["contacts"]][0] == "info@acme.dev"
    csv_response = client.get(url + "?format=csv")
    assert csv_response.mimetype == "text/csv"
    lines = csv_response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("email,email_type,method,source_url,context")
    assert len(lines) == 5


def test_cancel_and_retry_buttons(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token(client)
    client.post("/scan", data={"url": "acme.dev", "csrf_token": token})
    with app.app_context():
        job_id = db.session.scalars(select(Job)).one().job_id
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'action="/jobs/{job_id}/cancel"' in page
    assert client.post(f"/jobs/{job_id}/cancel").status_code == 400  # no CSRF token
    done = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "acme.dev: cancelled" in done and f'action="/jobs/{job_id}/retry"' in done
    retried = client.post(f"/jobs/{job_id}/retry", data={"csrf_token": token},
                          follow_redirects=True).get_data(as_text=True)
    assert "acme.dev: queued again" in retried and "PENDING" in retried


def test_idn_sites_and_addresses_show_in_unicode(client, app):
    with app.app_context():
        domain = get_or_create_domain(db.session, "xn--bcher-kva.de")
        job = Job(domain_id=domain.id, start_url="https://xn--bcher-kva.de/",
                  status=TaskStatus.COMPLETE.value,
                  result_data={"emails": ["info@xn--bcher-kva.de"]})
        db.session.add(job)
        db.session.flush()
        db.session.add(Contact(domain_id=domain.id, email="info@xn--bcher-kva.de",
                               source_job_id=job.id))
        db.session.commit()
        job_id = job.job_id
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "<h1>bücher.de" in page and ">info@bücher.de</a>" in page
    assert 'href="mailto:info@xn--bcher-kva.de"' in page
    assert "bücher.de</a>" in client.get("/").get_data(as_text=True)


def test_pages_and_api_send_security_headers(client):
    for response in (client.get("/"), client.get("/healthz")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_csv_export_defuses_formula_cells(client, app):
    with app.app_context():
        domain = get_or_create_domain(db.session, "evil.dev")
        job = Job(domain_id=domain.id, start_url="https://evil.dev/",
                  status=TaskStatus.COMPLETE.value, result_data={"emails": ["x@evil.dev"]})
        db.session.add(job)
        db.session.flush()
        db.session.add(Contact(domain_id=domain.id, email="x@evil.dev", source_job_id=job.id,
                               context='=HYPERLINK("http://evil.dev","x")', method="+text",
                               source_url="@SUM(A1)"))
        db.session.commit()
        job_id = job.job_id
    rows = client.get(f"/api/v3/email-scan/jobs/{job_id}/contacts?format=csv").get_data(
        as_text=True).splitlines()
    assert "'=HYPERLINK" in rows[1] and "'+text" in rows[1] and "'@SUM(A1)" in rows[1]


def test_oversized_request_is_refused(client):
    response = client.post("/api/v3/email-scan/scan/website", data="x" * 1_100_000,
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
