"""Tests of classification and of telling a site's own addresses, wildcard suffixes included."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails.classify import classify_email, is_free_mail, is_same_site


@pytest.mark.parametrize(
    ("host", "site_host", "expected"),
    [
        ("acme.com", "www.acme.com", True),
        ("mail.acme.co.uk", "shop.acme.co.uk", True),
        ("oakfieldprimary.sch.uk", "www.oakfieldprimary.sch.uk", True),   # wildcard suffix
        ("mail.oakfieldprimary.sch.uk", "oakfieldprimary.sch.uk", True),
        ("lagooncruises.ck", "www.lagooncruises.ck", True),
        ("xn--bcher-kva.de", "www.bücher.de", True),
        ("other.sch.uk", "www.oakfieldprimary.sch.uk", False),
        ("acme.com", "acme.co.uk", False),
        ("acme.com.evil.net", "acme.com", False),
    ],
)
def test_is_same_site(host: str, site_host: str, expected: bool) -> None:
    assert is_same_site(host, site_host) is expected


@pytest.mark.parametrize(
    ("email", "site_host", "expected"),
    [
        ("head@oakfieldprimary.sch.uk", "www.oakfieldprimary.sch.uk", "corporate"),
        ("l.hart@brackenhill.sch.uk", "brackenhill.sch.uk", "corporate"),
        ("office@oakfieldprimary.sch.uk", "www.oakfieldprimary.sch.uk", "service"),
        ("jane@lagooncruises.ck", "www.lagooncruises.ck", "corporate"),
        ("jane@other.sch.uk", "www.oakfieldprimary.sch.uk", "other"),
        ("jane@gmail.com", "www.oakfieldprimary.sch.uk", "free"),
    ],
)
def test_classify_email_under_wildcard_suffixes(
    email: str, site_host: str, expected: str
) -> None:
    assert classify_email(email, site_host) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [("gmail.com", True), ("gmx.at", True), ("yahoo.co.uk", True), ("acme.de", False)],
)
def test_is_free_mail(host: str, expected: bool) -> None:
    assert is_free_mail(host) is expected
