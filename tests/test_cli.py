"""The command line: scan, extract."""

from __future__ import annotations

import json
import socket

from scrapersky.extensions import db
from scrapersky.models.job import submit_scan
from scrapersky.sites import parse_site


def test_scan_json_reports_the_result_and_exits_0(runner, test_site):
    result = runner.invoke(args=["scan", test_site.url, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "COMPLETE"
    assert body["pages_scanned"] == 3
    emails = {e["email"]: e for e in body["emails"]}
    assert set(emails) == {"info@acme.dev", "maria.lopez@acme.dev", "press@acme.dev",
                           "sales@acme.dev"}
    assert emails["sales@acme.dev"]["source_url"] == test_site.url + "contact"
    assert set(emails["sales@acme.dev"]) == {"email", "email_type", "source_url", "context"}


def test_scan_respects_max_pages(runner, test_site):
    result = runner.invoke(args=["scan", test_site.url, "--json", "--max-pages", "1"])
    assert json.loads(result.stdout)["pages_scanned"] == 1


def test_scan_of_unreachable_site_exits_1_with_the_reason(runner):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = runner.invoke(args=["scan", f"http://127.0.0.1:{port}/"])
    assert result.exit_code == 1
    assert "FAILED" in result.stdout and "refused" in result.stdout.lower()


def test_scan_rejects_a_bad_url(runner):
    result = runner.invoke(args=["scan", "ftp://acme.dev"])
    assert result.exit_code == 2
    assert "scheme 'ftp' is not supported" in result.output


def test_scan_runs_a_job_already_queued_for_the_site(runner, app, test_site):
    site = parse_site(test_site.url)
    with app.app_context():
        queued, _ = submit_scan(db.session, site.key, site.start_url, "api")
        queued_id = queued.job_id
    result = runner.invoke(args=["scan", test_site.url, "--json"])
    assert json.loads(result.stdout)["job_id"] == queued_id


def test_extract_json_lists_addresses_per_file(runner, tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<p>Mail <a href="mailto:team@acme.dev">us</a> or sales@acme.dev</p>')
    text = tmp_path / "notes.txt"
    text.write_text("reach hello@acme.dev today")
    result = runner.invoke(args=["extract", str(page), str(text), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert sorted(body[str(page)]) == ["sales@acme.dev", "team@acme.dev"]
    assert body[str(text)] == ["hello@acme.dev"]


def test_extract_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["extract", str(tmp_path / "missing.html")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_scan_shows_live_progress_on_a_terminal_and_none_in_json_mode(runner, test_site,
                                                                       monkeypatch):
    from scrapersky import cli

    monkeypatch.setattr(cli, "stderr_is_terminal", lambda: True)
    shown = runner.invoke(args=["scan", test_site.url])
    assert "\r1/10 pages, 1 address(es) found" in shown.stderr
    assert "3/10 pages, 4 address(es) found" in shown.stderr
    quiet = runner.invoke(args=["scan", test_site.url, "--json"])
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout)["status"] == "COMPLETE"
