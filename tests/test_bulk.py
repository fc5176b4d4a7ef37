"""Submitting many sites at once from the dashboard: pasted lines and CSV files, one
outcome per line, CSRF, limits."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from scrapersky.bulk import MAX_BULK_SITES, entries_from_csv
from scrapersky.extensions import db
from scrapersky.models import Job
from tests.test_dashboard import csrf_token


def outcomes(html: str) -> list[tuple[str, str, str]]:
    """Return (where, input, outcome) of each row of the results table."""
    body = html.split('<table class="outcomes">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="muted">([^<]+)</td>\s*<td class="input">([^<]*)</td>\s*'
                      r'<td><span class="badge outcome-\w+">([^<]+)</span>', body)


def job_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job))


def test_pasted_lines_each_get_an_outcome(client, app):
    client.post("/scan", data={"url": "busy.dev"})
    text = "acme.dev\n\n  https://www.ACME.dev/  \nftp://bad.dev\nbusy.dev\nnot a site\nbücher.de\n"
    response = client.post("/scan/bulk", data={"sites": text})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert outcomes(html) == [
        ("line 1", "acme.dev", "queued"),
        ("line 3", "https://www.ACME.dev/", "duplicate"),
        ("line 4", "ftp://bad.dev", "invalid"),
        ("line 5", "busy.dev", "already active"),
        ("line 6", "not a site", "invalid"),
        ("line 7", "bücher.de", "queued"),
    ]
    assert "scheme &#39;ftp&#39; is not supported" in html
    assert "same site as line 1" in html
    assert ">bücher.de</a>" in html  # links to the queued job, shown in Unicode
    assert job_count(app) == 3
    assert "queued <b>2</b>" in html and "invalid <b>2</b>" in html


def test_csv_upload_uses_the_named_column(client, app):
    data = b"\xef\xbb\xbfName;Website\nAcme;acme.dev\nBeta;https://beta.dev/x\nGamma;\n"
    response = client.post("/scan/bulk", data={"csv_file": (io.BytesIO(data), "sites.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert outcomes(response.get_data(as_text=True)) == [
        ("CSV row 2", "acme.dev", "queued"), ("CSV row 3", "https://beta.dev/x", "queued")]


def test_csv_without_header_uses_the_first_column():
    entries = entries_from_csv(b"acme.dev,Acme Ltd\nbeta.dev,Beta\n")
    assert [(e.where, e.value) for e in entries] == [("CSV row 1", "acme.dev"),
                                                     ("CSV row 2", "beta.dev")]
    named = entries_from_csv(b"id,domain\n1,acme.dev\n")
    assert [e.value for e in named] == ["acme.dev"]


def test_too_many_or_no_sites_are_refused_whole(client, app):
    lines = "\n".join(f"site{n}.dev" for n in range(MAX_BULK_SITES + 1))
    response = client.post("/scan/bulk", data={"sites": lines})
    assert response.status_code == 400
    assert f"At most {MAX_BULK_SITES} sites at once; this list has 501." in response.get_data(
        as_text=True)
    empty = client.post("/scan/bulk", data={"sites": "  \n"})
    assert empty.status_code == 400
    assert "Paste at least one website" in empty.get_data(as_text=True)
    assert job_count(app) == 0


def test_bulk_form_needs_its_csrf_token(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/").get_data(as_text=True)
    form = html.split('action="/scan/bulk"', 1)[1].split("</form>", 1)[0]
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in form
    assert client.post("/scan/bulk", data={"sites": "acme.dev"}).status_code == 400
    assert job_count(app) == 0
    ok = client.post("/scan/bulk", data={"sites": "acme.dev", "csrf_token": csrf_token(client)})
    assert ok.status_code == 200 and job_count(app) == 1


def test_csv_with_an_oversized_cell_is_refused_with_its_line(client, app):
    data = b"url\nacme.dev\n" + b"x" * 200_000 + b".dev\nbeta.dev\n"
    response = client.post("/scan/bulk", data={"csv_file": (io.BytesIO(data), "sites.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert ("The CSV file cannot be read at line 3: field larger than field limit"
            in response.get_data(as_text=True))
    assert job_count(app) == 0
