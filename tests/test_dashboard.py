"""The HTML dashboard: submit form (CSRF), job table, job page, escaping."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update

from scrapersky.extensions import db
from scrapersky.models import Contact, Job, TaskStatus
from scrapersky.models.clock import utcnow
from scrapersky.reports import count_contacts_by_type
from tests.conftest import get_or_create_domain
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


# --- Dashboard: counts as filters, search, pagination, progress, live fragment ------------

def make_job(app, host: str, status: str = "COMPLETE", *, pages: int = 0,
             emails: tuple[str, ...] = (), seconds: int | None = None,
             error: str | None = None) -> str:
    """Insert a job of a site in a given state; return its public id."""
    with app.app_context():
        domain = get_or_create_domain(db.session, host)
        started = utcnow() - timedelta(minutes=10) if status != "PENDING" else None
        finished = (started + timedelta(seconds=seconds or 0)
                    if status in ("COMPLETE", "FAILED", "CANCELLED") else None)
        job = Job(domain_id=domain.id, start_url=f"https://{host}/", status=status,
                  started_at=started, finished_at=finished, error=error,
                  result_data={"emails": list(emails), "pages_scanned": pages,
                               "contacts_found": len(emails)})
        db.session.add(job)
        db.session.commit()
        return job.job_id


def row_sites(html: str) -> list[str]:
    """Return the sites listed in the job table, in order."""
    body = html.split('id="job-rows"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<td class="site"><a href="/jobs/[^"]+">([^<]+)</a>', body)


def job_rows(html: str) -> list[str]:
    """Return the job table's rows as HTML."""
    body = html.split('id="job-rows"', 1)[1].split("</tbody>", 1)[0]
    return ['<tbody id="job-rows">' + row for row in body.split("<tr ")[1:]]


def test_counts_are_links_that_filter_by_state(client, app):
    make_job(app, "done.dev")
    make_job(app, "broken.dev", "FAILED", error="start page failed: refused")
    make_job(app, "waiting.dev", "PENDING")
    html = client.get("/").get_data(as_text=True)
    counts = html.split('id="job-counts"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'href="/\?status=FAILED"[^>]*>Failed <b>1</b>', counts)
    assert re.search(r'href="/\?status=COMPLETE"[^>]*>Complete <b>1</b>', counts)
    assert "All <b>3</b>" in counts
    failed = client.get("/?status=FAILED").get_data(as_text=True)
    assert row_sites(failed) == ["broken.dev"]
    assert "start page failed: refused" in failed
    assert row_sites(client.get("/?status=bogus").get_data(as_text=True)) == [
        "waiting.dev", "broken.dev", "done.dev"]


def test_search_by_site_and_pagination_keep_the_filters(client, app):
    for number in range(30):
        make_job(app, f"shop{number:02d}.example.com")
    make_job(app, "other.dev")
    first = client.get("/?q=SHOP&status=COMPLETE").get_data(as_text=True)
    assert len(row_sites(first)) == 25 and "other.dev" not in row_sites(first)
    nav = re.search(r'<nav class="pagination".*?</nav>', first, re.S).group()
    queries = [parse_qs(urlsplit(href.replace("&amp;", "&")).query)
               for href in re.findall(r'href="([^"]+)"', nav)]
    assert queries and all(q == {"status": ["COMPLETE"], "q": ["SHOP"], "page": ["2"]}
                           for q in queries)  # "2" and "Older"
    second = client.get("/?q=shop&status=COMPLETE&page=2").get_data(as_text=True)
    assert len(row_sites(second)) == 5
    assert row_sites(client.get("/?q=nothing-like-this").get_data(as_text=True)) == []
    assert "No jobs match these filters" in client.get("/?q=zzz").get_data(as_text=True)


def test_search_finds_idn_sites_typed_in_unicode(client, app):
    make_job(app, "xn--bcher-kva.de")
    make_job(app, "other.dev")
    assert row_sites(client.get("/?q=bücher").get_data(as_text=True)) == ["bücher.de"]


def test_progress_bar_shows_pages_of_the_budget_and_a_duration(client, app):
    make_job(app, "busy.dev", "RUNNING", pages=4)
    make_job(app, "done.dev", pages=3, seconds=125)
    html = client.get("/").get_data(as_text=True)
    rows = {row_sites(row)[0]: row for row in job_rows(html)}
    busy, done = rows["busy.dev"], rows["done.dev"]
    assert '<progress max="10" value="4"' in busy and "4 of 10 pages" in busy
    assert '<progress max="10" value="10"' in done and "3 pages" in done  # finished: full
    assert "2 min 05 s" in done


def test_live_fragment_has_the_rows_and_counts_and_stops_when_idle(client, app):
    job_id = make_job(app, "acme.dev", "PENDING")
    page = client.get("/?q=acme").get_data(as_text=True)
    assert '<script src="/static/dashboard.js" defer></script>' in page
    assert 'data-poll-url="/partials/jobs?page=1&amp;q=acme"' in page
    fragment = client.get("/partials/jobs?q=acme").get_data(as_text=True)
    assert "<html" not in fragment and 'id="job-counts"' in fragment
    assert 'data-active="true"' in fragment
    assert f'id="job-{job_id}" data-status="PENDING"' in fragment
    with app.app_context():
        db.session.execute(update(Job).values(status="COMPLETE", finished_at=utcnow()))
        db.session.commit()
    fragment = client.get("/partials/jobs?q=acme").get_data(as_text=True)
    assert '<span class="badge complete">COMPLETE</span>' in fragment
    assert 'data-active="false"' in fragment


def test_no_inline_code_and_a_noscript_refresh_fallback(client, app):
    make_job(app, "acme.dev", "RUNNING")
    html = client.get("/").get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', head)
    assert html.count('http-equiv="refresh"') == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert not re.search(r"\s(style|on[a-z]+)=", html)  # no style or handler attributes
    assert "<style" not in html
    with client.get("/static/dashboard.js") as script:
        assert script.status_code == 200
        assert b"data-poll-url" in script.data and b"/partials/" not in script.data


def test_dashboard_draws_the_charts(client, app, test_site):
    run_scan(app, test_site.url)
    make_job(app, "broken.dev", "FAILED")
    html = client.get("/").get_data(as_text=True)
    assert html.count("<svg ") == 2
    assert "<title id=\"chart-jobs-per-hour-title\">Jobs finished per hour" in html
    with app.app_context():
        types = count_contacts_by_type(db.session)
    assert sum(types.values()) == 4
    for email_type, count in types.items():
        assert f'data-label="{email_type}" data-total="{count}"' in html
    assert "1 complete (green) and 1 failed (red)." in html
