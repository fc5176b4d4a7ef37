"""Sites: what a user submits becomes one canonical site, on a port scans may use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scrapersky.extensions import db
from scrapersky.models import Job
from scrapersky.sites import (
    DEFAULT_ALLOWED_PORTS,
    InvalidSiteError,
    Site,
    allowed_scan_ports,
    parse_site,
)

SUBMIT = "/api/v3/email-scan/scan/website"


@pytest.mark.parametrize(("value", "expected"), [
    ("example.com", Site("https", "example.com")),
    ("http://example.com:80/", Site("http", "example.com")),
    ("https://example.com:8443/x", Site("https", "example.com", 8443)),
    ("example.com:8080", Site("https", "example.com", 8080)),
])
def test_sites_on_allowed_ports_are_accepted(value: str, expected: Site) -> None:
    assert parse_site(value, allowed_ports=DEFAULT_ALLOWED_PORTS) == expected


@pytest.mark.parametrize("value", ["https://host.example:6379/", "example.com:22",
                                   "http://[2001:db8::1]:3000/"])
def test_sites_on_other_ports_are_refused_naming_the_port(value: str) -> None:
    port = value.rsplit(":", 1)[1].strip("/")
    with pytest.raises(InvalidSiteError, match=rf"^uses port {port}, which scans may not use "
                       r"\(allowed: 80, 443, 8080, 8443\)$"):
        parse_site(value, allowed_ports=DEFAULT_ALLOWED_PORTS)


def test_without_allowed_ports_any_port_is_accepted() -> None:
    assert parse_site("https://host.example:6379/").port == 6379


def test_private_networks_allowed_lifts_the_port_limit() -> None:
    config = {"EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS": False, "EMAIL_SCAN_ALLOWED_PORTS": (80, 443)}
    assert allowed_scan_ports(config) == {80, 443}
    assert allowed_scan_ports({**config, "EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS": True}) is None


def count_jobs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job))


def test_submit_on_a_port_not_allowed_gets_422_naming_the_port(client, app) -> None:
    app.config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"] = False
    response = client.post(SUBMIT, json={"url": "https://host.example:6379/"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["url"] == [
        "uses port 6379, which scans may not use (allowed: 80, 443, 8080, 8443)"]
    assert client.post(SUBMIT, json={"domain": "example.com:6379"}).status_code == 422
    assert count_jobs(app) == 0


def test_submit_on_an_allowed_port_is_queued(client, app) -> None:
    app.config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"] = False
    app.config["EMAIL_SCAN_ALLOWED_PORTS"] = (443, 6379)
    response = client.post(SUBMIT, json={"url": "https://host.example:6379/"})
    assert response.status_code == 202 and response.get_json()["domain"] == "host.example:6379"


def test_submit_with_private_networks_allowed_takes_any_port(client, app) -> None:
    # The test settings allow private networks, as the loopback test sites need.
    response = client.post(SUBMIT, json={"url": "http://127.0.0.1:6379/"})
    assert response.status_code == 202
