"""Tests of links, context, classification and display helpers of the extractor."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails import (
    Link,
    analyse_html,
    classify_email,
    display_email,
    extract_emails,
)

PAGE = """<html><head><link rel="alternate" href="/feed"></head><body>
<a href="/about#team">About   <b>us</b></a>
<a href="contact.html">Contact</a>
<a href="https://other.org/x?y=1#z">Other</a>
<a href="//cdn.acme.com/a">CDN</a>
<a href="../up/./x">Up</a>
<a href="mailto:info@acme.com">Mail</a><a href="tel:+491">Tel</a>
<a href="javascript:void(0)">JS</a><a href="data:text/plain,x">Data</a>
<a name="anchor-without-href">A</a>
<map><area href="/map" alt="Map area"></map>
</body></html>"""


def test_links_are_absolute_without_fragment_or_special_schemes() -> None:
    links = analyse_html(PAGE, "https://acme.com/a/b.html", "acme.com").links
    assert links == [
        Link("https://acme.com/about", "About us"),
        Link("https://acme.com/a/contact.html", "Contact"),
        Link("https://other.org/x?y=1", "Other"),
        Link("https://cdn.acme.com/a", "CDN"),
        Link("https://acme.com/up/x", "Up"),
        Link("https://acme.com/map", "Map area"),
    ]


def test_base_href_is_respected() -> None:
    html = '<head><base href="https://acme.com/docs/"></head><a href="x.html">x</a>'
    links = analyse_html(html, "https://acme.com/").links
    assert links == [Link("https://acme.com/docs/x.html", "x")]


def test_one_parse_gives_findings_and_links() -> None:
    analysis = analyse_html(PAGE, "https://acme.com/", "www.acme.com")
    assert [(f.email, f.method, f.email_type) for f in analysis.findings] == [
        ("info@acme.com", "mailto", "service")
    ]


def test_context_is_collapsed_visible_text_around_address() -> None:
    html = "<p>Our   press office:\n\n <b>press@acme.com</b>, weekdays.</p>" + "<p>x</p>" * 50
    (finding,) = extract_emails(html)
    assert finding.context.startswith("Our press office: press@acme.com, weekdays.")
    assert "  " not in finding.context and len(finding.context) <= 80 * 2 + 40


def test_context_for_mailto_comes_from_page_text_when_shown() -> None:
    html = "<p>Write to <a href='mailto:bob@acme.com'>bob@acme.com</a> please</p>"
    assert extract_emails(html)[0].context == "Write to bob@acme.com please"


def test_empty_and_broken_pages() -> None:
    assert analyse_html("").findings == [] and analyse_html("   ").links == []
    assert analyse_html("<<<>>>&&&").findings == []
    assert [f.email for f in extract_emails("\x00\ud800<p>a@acme.com</p>")] == ["a@acme.com"]


@pytest.mark.parametrize(
    ("email", "site_host", "expected"),
    [
        ("info@acme.com", "acme.com", "service"),
        ("kontakt@acme.de", None, "service"),
        ("redaktion@kath.net", "kath.net", "service"),
        ("bob@gmail.com", "acme.com", "free"),
        ("bob@googlemail.com", None, "free"),
        ("bob@gmx.at", None, "free"),
        ("bob@web.de", None, "free"),
        ("bob@t-online.de", None, "free"),
        ("bob@yahoo.co.uk", None, "free"),
        ("bob@proton.me", None, "free"),
        ("bob@acme.com", "www.acme.com", "corporate"),
        ("bob@mail.acme.co.uk", "shop.acme.co.uk", "corporate"),
        ("bob@xn--bcher-kva.de", "www.xn--bcher-kva.de", "corporate"),
        ("bob@other.com", "acme.com", "other"),
        ("bob@acme.com", None, "other"),
    ],
)
def test_classify_email(email: str, site_host: str | None, expected: str) -> None:
    assert classify_email(email, site_host) == expected


def test_display_email_shows_unicode_domain() -> None:
    assert display_email("info@xn--bcher-kva.de") == "info@bücher.de"
    assert display_email("info@acme.com") == "info@acme.com"
    assert display_email("info@xn--invalid-.de") == "info@xn--invalid-.de"
