"""Prometheus metrics and the scheduler's tick in /healthz."""

from __future__ import annotations

import types

from prometheus_client.parser import text_string_to_metric_families

from scrapersky.blueprints import health
from scrapersky.schedulers import email_scan_scheduler
from scrapersky.schedulers.email_scan_scheduler import process_pending_email_scans

SUBMIT = "/api/v3/email-scan/scan/website"


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Return every sample of /metrics by (name, sorted labels)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def delta(before: dict, after: dict, name: str, labels: tuple = ()) -> float:
    return after.get((name, labels), 0) - before.get((name, labels), 0)


def test_jobs_by_state_are_counted_at_scrape_time(client):
    for domain in ("a.com", "b.com"):
        client.post(SUBMIT, json={"domain": domain})
    samples = scrape(client)
    assert samples[("scrapersky_jobs", (("status", "PENDING"),))] == 2
    assert samples[("scrapersky_jobs", (("status", "COMPLETE"),))] == 0


def test_a_scan_counts_start_finish_pages_and_duration(app, client, test_site):
    before = scrape(client)
    client.post(SUBMIT, json={"url": test_site.url})
    assert process_pending_email_scans(app) == 1
    after = scrape(client)
    assert delta(before, after, "scrapersky_scans_started_total") == 1
    assert delta(before, after, "scrapersky_scans_finished_total") == 1
    assert delta(before, after, "scrapersky_scans_failed_total") == 0
    assert delta(before, after, "scrapersky_pages_fetched_total") >= 3
    assert delta(before, after, "scrapersky_scan_duration_seconds_count") == 1
    assert after[("scrapersky_jobs", (("status", "COMPLETE"),))] == 1


def test_a_scan_that_raises_counts_as_failed(app, client, monkeypatch):
    def explode(job_id: str, user_id: str, **_) -> None:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(email_scan_scheduler, "scan_website_for_emails", explode)
    before = scrape(client)
    client.post(SUBMIT, json={"domain": "a.com"})
    process_pending_email_scans(app)
    after = scrape(client)
    assert delta(before, after, "scrapersky_scans_failed_total") == 1
    assert delta(before, after, "scrapersky_scans_finished_total") == 0


def test_healthz_reports_the_scheduler_tick_age(app, client, monkeypatch):
    assert client.get("/healthz").json["scheduler_last_tick_age_seconds"] is None
    process_pending_email_scans(app)  # a tick, as the running scheduler would make
    monkeypatch.setattr(health, "scheduler", types.SimpleNamespace(running=True))
    age = client.get("/healthz").json["scheduler_last_tick_age_seconds"]
    assert 0 <= age < 5
    assert scrape(client)[("scrapersky_scheduler_last_tick_timestamp_seconds", ())] > 0


def test_metrics_of_many_apps_do_not_clash(app_config, client):
    from scrapersky import create_app

    for _ in range(3):
        create_app(app_config)
    assert ("scrapersky_scans_started_total", ()) in scrape(client)
