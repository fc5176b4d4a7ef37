"""JSON bodies nested deeper than any request needs get a 400 in the error shape, never a
500 from the parser's recursion."""

from __future__ import annotations

import json

import pytest

from scrapersky.json_bodies import MAX_JSON_DEPTH, nesting_depth

SUBMIT = "/api/v3/email-scan/scan/website"
BULK = "/api/v3/email-scan/scan/websites"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", [SUBMIT, BULK])
@pytest.mark.parametrize("body", [nested(100_000), '{"sites": ' + nested(MAX_JSON_DEPTH) + "}",
                                  '{"url": ' + "{\"a\": " * 200 + "1" + "}" * 201])
def test_deeply_nested_json_is_a_400_in_the_error_shape(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert error["details"] == {"body": [f"not valid JSON, or nested more than "
                                         f"{MAX_JSON_DEPTH} levels deep"]}


def test_bodies_of_ordinary_depth_are_read(client):
    response = client.post(BULK, json={"sites": [{"url": "https://a.example.com"}, "b.example"
                                                 ".com", [["nested"]]]})
    assert response.status_code == 202
    assert [item["status"] for item in response.json["results"]] == [
        "queued", "queued", "invalid"]


@pytest.mark.parametrize(("body", "content_type", "problem"), [
    ("{not json", "application/json", "not valid JSON"),
    ('{"url": "https://a.example.com"}', "text/plain", "not JSON: send Content-Type"),
    ("[1, 2]", "application/json", "not a JSON object"),
])
def test_other_bodies_say_what_is_wrong(client, body, content_type, problem):
    response = client.post(SUBMIT, data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["body"][0].startswith(problem)


def test_nesting_depth_counts_without_recursion():
    assert nesting_depth(json.loads('{"sites": [{"url": "x"}]}')) == 3
    assert nesting_depth("text") == 0
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert nesting_depth(deep) > MAX_JSON_DEPTH
