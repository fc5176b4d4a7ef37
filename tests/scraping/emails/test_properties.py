"""Property and complexity tests: the extractor never raises and stays linear."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapersky.scraping.emails import (
    MAX_HTML_CHARS,
    analyse_html,
    extract_emails,
    extract_emails_from_text,
    scan,
)

ADVERSARIAL = {
    "dotted-local": "x" + ".a" * 50000 + "@",
    "hyphen-domain": "a@" + "a-" * 50000 + "!",
    "only-ats": "@" * 200000,
    "at-dot-runs": "a@b." * 50000,
    "brackets": "[at]" * 50000,
    "open-tags": "<a " * 30000,
    "entities": "&#64;" * 40000,
    "quotes-plus": "'a'+" * 40000,
    "local-runs": ("a" * 63 + " ") * 3000 + "@",
    "script-deep-parens": "<script>x=" + "(" * 60000 + "'a@b.de'" + ")" * 60000 + "</script>",
    "script-deep-objects": "<script>x=" + "{a:" * 30000 + "'@'" + "}" * 30000 + "</script>",
    "script-concat": "<script>x=" + "'a'+" * 40000 + "'@b.de'</script>",
    "script-self-concat": "<script>var a='@';" + "a=a+a;" * 20000 + "</script>",
    "script-long-literal": "<script>x='" + "a" * 100000 + "@acme.de';y=x+x+x+x</script>",
    "script-char-codes": "<script>String.fromCharCode(" + "64," * 40000 + "64)</script>",
    "script-many-scripts": "<script>x='a'+'@'+'b.de';</script>" * 4000,
    "handler-concat": '<a onclick="' + "'a'+'@'+" * 20000 + '">x</a>',
    "json-island": '<script type="application/json">' + '{"text":"a@b.de ",' * 20000 + "}",
}
SAFE_BOUND_SECONDS = 1.0
TOKENS = st.sampled_from([
    "@", ".", "-", "a", "Z", "0", " ", "[at]", "(dot)", " AT ", "mailto:", "<p>", "</p>",
    "<span>", "&#64;", "&commat;", "\\u0040", "<script>", "</script>", "<!--", "-->", "<a href=",
    '"', "'", "atob('", "data-cfemail=", "xn--", "ü", "\uff20", "://", "?", "=", ".com", ".de",
])


def _elapsed(function, argument: str) -> float:
    start = time.perf_counter()
    function(argument)
    return time.perf_counter() - start


@given(st.text(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_never_raises_on_random_text(text: str) -> None:
    for finding in extract_emails(text) + extract_emails_from_text(text):
        assert finding.email == finding.email.lower()
        assert finding.email.isascii()


@given(st.lists(TOKENS, max_size=300).map("".join))
@settings(max_examples=300, deadline=None)
def test_never_raises_on_html_like_tokens(html: str) -> None:
    analysis = analyse_html(html, "https://acme.com/", "acme.com")
    emails = [finding.email for finding in analysis.findings]
    assert len(emails) == len(set(emails))
    for email in emails:
        local, _, domain = email.rpartition("@")
        assert 0 < len(local) <= 64 and 0 < len(domain) <= 253


def test_adversarial_inputs_finish_fast() -> None:
    for name, payload in ADVERSARIAL.items():
        for function in (extract_emails, extract_emails_from_text):
            assert _elapsed(function, payload) < SAFE_BOUND_SECONDS, name


def test_scanner_work_is_linear() -> None:
    # Count candidate windows instead of timing: each '@' costs a bounded window.
    for unit in ("@", "a@b.", "x.a", "a-"):
        small = sum(high - low for low, high in scan.at_windows(unit * 10000))
        large = sum(high - low for low, high in scan.at_windows(unit * 40000))
        assert large <= 4 * small + 1000


def test_time_grows_linearly_with_generous_ratio() -> None:
    block = "<p>Write to info@acme.com or sales [at] acme (dot) com.</p><a href='/x'>x</a>" * 200
    small = min(_elapsed(extract_emails, block) for _ in range(3))
    large = min(_elapsed(extract_emails, block * 8) for _ in range(3))
    assert large < 8 * small * 4 + 0.05


def test_page_size_is_capped() -> None:
    page = "<p>x</p>" * (MAX_HTML_CHARS // 8) + "<p>late@acme.com</p>"
    assert extract_emails(page) == []
