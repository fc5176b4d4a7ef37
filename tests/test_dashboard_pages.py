"""The job page (timings, pages, highlighted context, live fragment) and the contacts page
(filters, latest-scan column, CSV export of the filtered list)."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select, update

from scrapersky.extensions import db
from scrapersky.models import Contact, Domain, Job
from tests.conftest import get_or_create_domain
from tests.test_dashboard import make_job
from tests.test_email_scraper import run_scan


def add_contact(app, job_id: str, email: str, **fields) -> None:
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.job_id == job_id)).one()
        db.session.add(Contact(domain_id=job.domain_id, email=email, source_job_id=job.id,
                               **fields))
        db.session.commit()


def test_job_page_shows_timings_pages_and_highlighted_context(client, app, test_site):
    job = run_scan(app, test_site.url)
    html = client.get(f"/jobs/{job.job_id}").get_data(as_text=True)
    assert "Sales: <mark>sales@acme.dev</mark>" in html
    assert re.search(r"<dt>Duration</dt><dd>\d+ s", html)
    assert "<dt>Attempts</dt><dd>1</dd>" in html
    assert "Pages visited (3)" in html
    assert html.count('<span class="badge http-ok">200</span>') == 3
    assert f'<a href="{test_site.url}contact" rel="noopener noreferrer nofollow"' in html


def test_highlighted_context_stays_escaped(client, app):
    job_id = make_job(app, "evil.dev", emails=("x@evil.dev",))
    add_contact(app, job_id, "x@evil.dev", context="<b>hi</b> X@Evil.dev <script>x</script>",
                source_url="javascript:alert(1)")
    html = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert ("&lt;b&gt;hi&lt;/b&gt; <mark>X@Evil.dev</mark> &lt;script&gt;x&lt;/script&gt;"
            in html)
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


def test_job_page_updates_live_while_the_job_runs(client, app):
    job_id = make_job(app, "acme.dev", "RUNNING", pages=2)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'data-poll-url="/partials/jobs/{job_id}"' in page and 'data-active="true"' in page
    assert "<noscript><meta http-equiv=\"refresh\"" in page
    assert "2 of 10 pages" in page and "so far" in page
    with app.app_context():
        db.session.execute(update(Job).values(status="FAILED", error="start page failed: 503"))
        db.session.commit()
    fragment = client.get(f"/partials/jobs/{job_id}").get_data(as_text=True)
    assert "<html" not in fragment and 'data-active="false"' in fragment
    assert '<span class="badge failed">FAILED</span>' in fragment
    assert "start page failed: 503" in fragment and "Retry scan" in fragment
    assert client.get("/partials/jobs/00000000-0000-0000-0000-000000000000").status_code == 404


def contact_rows(html: str) -> list[str]:
    body = html.split('id="contact-rows"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'href="mailto:([^"]+)"', body)


def seed_contacts(app) -> None:
    first = make_job(app, "acme.dev", emails=("info@acme.dev", "jane@acme.dev"))
    add_contact(app, first, "info@acme.dev", email_type="service", context="Mail info@acme.dev")
    add_contact(app, first, "jane@acme.dev", email_type="corporate")
    other = make_job(app, "beta.dev", emails=("beta@gmail.com",))
    add_contact(app, other, "beta@gmail.com", email_type="free", source_url="https://beta.dev/")
    with app.app_context():  # acme.dev's latest scan found info@ only; beta.dev never completed
        info = db.session.scalars(select(Contact).where(Contact.email == "info@acme.dev")).one()
        domain = db.session.get(Domain, info.domain_id)
        domain.last_job_id = info.source_job_id
        db.session.execute(update(Contact).where(Contact.email == "jane@acme.dev")
                           .values(source_job_id=None))
        db.session.commit()


def test_contacts_page_filters_by_type_and_site(client, app):
    seed_contacts(app)
    html = client.get("/contacts").get_data(as_text=True)
    assert sorted(contact_rows(html)) == ["beta@gmail.com", "info@acme.dev", "jane@acme.dev"]
    assert "<th>First seen</th><th>Last seen</th>" in html
    assert contact_rows(client.get("/contacts?type=free").get_data(as_text=True)) == [
        "beta@gmail.com"]
    by_site = client.get("/contacts?q=acme").get_data(as_text=True)
    assert sorted(contact_rows(by_site)) == ["info@acme.dev", "jane@acme.dev"]
    assert 'href="/contacts.csv?q=acme"' in by_site
    assert "Mail <mark>info@acme.dev</mark>" in by_site
    assert "No contacts match" in client.get("/contacts?q=nope").get_data(as_text=True)


def test_contacts_page_says_whether_the_latest_scan_still_found_it(client, app):
    seed_contacts(app)
    html = client.get("/contacts").get_data(as_text=True)
    assert "<th>Latest scan</th>" in html
    rows = dict(re.findall(r'href="mailto:([^"]+)".*?<td class="latest">(.*?)</td>', html, re.S))
    assert "still found" in rows["info@acme.dev"]
    assert "not found" in rows["jane@acme.dev"]
    assert "—" in rows["beta@gmail.com"]  # the site's latest scan is unknown


def test_contacts_csv_exports_the_filtered_list_defused(client, app):
    seed_contacts(app)
    with app.app_context():
        domain = get_or_create_domain(db.session, "acme.dev")
        db.session.execute(update(Contact).where(Contact.domain_id == domain.id)
                           .values(context="=cmd()"))
        db.session.commit()
    response = client.get("/contacts.csv?q=acme")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(row["email"] for row in rows) == ["info@acme.dev", "jane@acme.dev"]
    assert {row["context"] for row in rows} == {"'=cmd()"}
    every = client.get("/contacts.csv?type=free").get_data(as_text=True)
    assert every.splitlines()[1].startswith("beta@gmail.com,free")



def test_absurd_page_numbers_show_an_empty_page(client):
    client.post("/scan", data={"url": "acme.dev"})
    for path in ("/", "/partials/jobs", "/contacts"):
        for page in ("100000000000000000000", "-5", "x"):
            response = client.get(f"{path}?page={page}")
            assert response.status_code == 200, (path, page)
    assert "acme.dev" not in client.get("/?page=100000000000000000000").get_data(as_text=True)
    assert "acme.dev" in client.get("/?page=-5").get_data(as_text=True)
