"""Property-based API tests: schemathesis generates requests from /api/openapi.json and sends
them to the app in-process; no answer may be a 5xx or differ from its documented schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from scrapersky.schedulers.email_scan_scheduler import process_pending_email_scans
from tests.sites import TestSite

CHECKS = [not_a_server_error, response_schema_conformance]
MAX_EXAMPLES = 25
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
SUBMIT = "/api/v3/email-scan/scan/website"
BULK_SUBMIT = "/api/v3/email-scan/scan/websites"
# Valid submits random input hardly ever produces; they only queue rows (no scheduler runs).
KNOWN_BODIES = {
    SUBMIT: [{"url": "https://example.org/"}, {"domain": "www.example.net"}],
    BULK_SUBMIT: [{"sites": ["https://a.example.com", {"domain": "b.example.com"},
                             {"url": "ftp://nope"}, "a.example.com"]}],
}


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """The test settings without a submit rate limit, so every example reaches its view."""
    return {**app_config, "SCRAPERSKY_SUBMIT_RATE_LIMIT": ""}


@pytest.fixture
def api_schema(app: Flask) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document; its cases are sent to the app in-process."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture
def job_ids(app: Flask, client: FlaskClient, test_site: TestSite) -> list[str]:
    """Ids of a COMPLETE job with contacts (one scan of the loopback site), a CANCELLED and
    a PENDING one, so that job operations reach their success and conflict answers."""
    complete = submit(client, test_site.url)
    assert process_pending_email_scans(app) == 1
    assert client.get(f"/api/v3/email-scan/scan/status/{complete}").json["status"] == "COMPLETE"
    cancelled = submit(client, "cancelled.example.com")
    assert client.post(f"/api/v3/email-scan/jobs/{cancelled}/cancel").status_code == 200
    return [complete, cancelled, submit(client, "pending.example.com")]


def submit(client: FlaskClient, site: str) -> str:
    """Queue a site through the API and return its job id."""
    response = client.post(SUBMIT, json={"url": site})
    assert response.status_code == 202, response.json
    return response.json["job_id"]


def known_inputs(operation: schemathesis.APIOperation, job_ids: list[str]) -> list[dict]:
    """Return as_strategy() arguments for the inputs that reach an operation's success path."""
    if any(parameter.name == "job_id" for parameter in operation.path_parameters):
        return [{"path_parameters": {"job_id": job_id}} for job_id in job_ids]
    if operation.method.upper() == "POST":
        return [{"body": body} for body in KNOWN_BODIES.get(operation.path, [])]
    return []


def strategies_for(operation: schemathesis.APIOperation,
                   job_ids: list[str]) -> dict[str, st.SearchStrategy]:
    """Return the case strategies to run, by name: random valid input, random invalid input
    (when there is input to break), and known jobs and sites."""
    found = {"positive": operation.as_strategy(generation_mode=GenerationMode.POSITIVE)}
    has_input = bool(operation.body) or any(True for _ in operation.iter_parameters())
    if has_input:
        found["negative"] = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    known = known_inputs(operation, job_ids)
    if known:
        found["known"] = st.one_of([operation.as_strategy(**kwargs) for kwargs in known])
    return found


def check_cases(strategy: st.SearchStrategy, **call_kwargs: Any) -> None:
    """Send up to MAX_EXAMPLES generated cases and validate every answer."""

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def sends_and_validates(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS, **call_kwargs)

    sends_and_validates()


# `schemathesis.pytest.from_fixture(...).parametrize()` reads `Node._nodeid`, which pytest
# 9.2 no longer has; so one test walks the operations, with a subtest for each strategy.
def test_api_answers_without_server_errors_and_as_documented(api_schema, job_ids, subtests):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for name, strategy in strategies_for(operation, job_ids).items():
            with subtests.test(operation=operation.label, inputs=name):
                check_cases(strategy)


@pytest.mark.parametrize("body", [
    {"url": "http://a]b.com"}, {"domain": "a]b.com"}, {"url": "http://[::1"},
], ids=["url", "domain", "open-ipv6-literal"])
def test_unbalanced_brackets_in_a_site_are_refused_not_a_server_error(client, body):
    # Found by schemathesis: urlsplit raises ValueError("Invalid IPv6 URL") in parse_site.
    assert client.post(SUBMIT, json=body).status_code == 422
    bulk = client.post(BULK_SUBMIT, json={"sites": [body]})
    assert bulk.status_code == 200 and bulk.json["results"][0]["status"] == "invalid"


@pytest.mark.parametrize("path", [
    "/api/v3/email-scan/jobs?q=a%00b", "/api/v3/email-scan/contacts?site=a%00b",
], ids=["jobs", "contacts"])
def test_a_nul_in_a_site_search_matches_nothing_not_a_server_error(client, path):
    # Found by schemathesis on PostgreSQL, which refuses NUL in text parameters.
    response = client.get(path)
    assert response.status_code == 200 and response.json["total"] == 0
