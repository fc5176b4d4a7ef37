"""The OpenAPI document: valid, complete, secured when tokens are set; the docs page."""

from __future__ import annotations

import re

import flask_migrate
import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from scrapersky import create_app
from scrapersky.extensions import db
from scrapersky.openapi import openapi_path

SUBMIT = "/api/v3/email-scan/scan/website"
TOKEN = "docs-token-0123456789"


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def routes(app) -> set[tuple[str, str]]:
    """(path, method) of every API route, /healthz and /metrics."""
    return {(openapi_path(rule.rule), method.lower())
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") or rule.rule in ("/healthz", "/metrics")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def matches(spec: dict, name: str, body) -> bool:
    """Return whether a response body is valid against a component schema."""
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    return OAS30Validator(schema).is_valid(body)


def test_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_route_is_documented_with_its_errors(app, spec):
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert documented == routes(app)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation["summary"], (path, method)
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    assert response["$ref"].startswith("#/components/responses/"), (path, code)
    errors = spec["components"]["responses"]
    assert all(r["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
               for r in errors.values())


def test_operations_carry_their_schemas(spec):
    submit = spec["paths"][SUBMIT]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/EmailScanRequest")
    assert {"202", "400", "413", "422", "429"} <= set(submit["responses"])
    bulk = spec["paths"]["/api/v3/email-scan/scan/websites"]["post"]
    assert {"200", "202", "422"} <= set(bulk["responses"])
    assert spec["components"]["schemas"]["BulkScanRequest"]["properties"]["sites"][
        "maxItems"] == 500
    jobs = spec["paths"]["/api/v3/email-scan/jobs"]["get"]
    assert {p["name"] for p in jobs["parameters"]} == {"status", "q", "page", "per_page"}
    contacts = spec["paths"]["/api/v3/email-scan/contacts"]["get"]
    assert {p["name"] for p in contacts["parameters"]} == {
        "email_type", "site", "page", "per_page"}
    status = spec["paths"]["/api/v3/email-scan/scan/status/{job_id}"]["get"]
    assert status["parameters"][0]["in"] == "path"
    assert "securitySchemes" not in spec.get("components", {})
    assert "401" not in submit["responses"]


def test_real_responses_match_their_schemas(client, spec):
    submitted = client.post(SUBMIT, json={"domain": "acme.dev"}).get_json()
    assert matches(spec, "JobSubmissionResponse", submitted)
    status = client.get(submitted["status_url"]).get_json()
    assert matches(spec, "JobStatusResponse", status)
    assert matches(spec, "JobListResponse", client.get("/api/v3/email-scan/jobs").get_json())
    bulk = client.post("/api/v3/email-scan/scan/websites", json={"sites": ["a.com", 1]})
    assert matches(spec, "BulkScanResponse", bulk.get_json())
    assert matches(spec, "ContactListResponse",
                   client.get("/api/v3/email-scan/contacts").get_json())
    assert matches(spec, "HealthResponse", client.get("/healthz").get_json())
    assert matches(spec, "ErrorResponse", client.post(SUBMIT, json={}).get_json())
    assert not matches(spec, "JobSubmissionResponse", {"job_id": 1})


def test_bearer_scheme_when_tokens_are_configured(app_config):
    app = create_app({**app_config, "SCRAPERSKY_API_TOKENS": TOKEN})
    with app.app_context():
        flask_migrate.upgrade()
    try:
        spec = app.test_client().get("/api/openapi.json",
                                     headers={"Authorization": f"Bearer {TOKEN}"}).get_json()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    assert "401" in spec["paths"][SUBMIT]["post"]["responses"]
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert spec["paths"]["/metrics"]["get"]["security"] == []


def test_docs_page_lists_paths_parameters_and_schemas_without_scripts(client, spec):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in page
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert "<code>per_page</code>" in page and "<code>email_type</code>" in page
    assert "<script>" not in page and not re.search(r'<script(?![^>]*\bsrc=")', page)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no external assets
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
