"""Tests of address syntax and host validity: any host under an existing top-level domain."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails.validate import (
    is_valid_host,
    normalise_email,
    registrable_domain,
    top_level_domains,
)

# Hosts under wildcard public-suffix rules are themselves public suffixes: still real.
VALID_HOSTS = [
    "oakfieldprimary.sch.uk",   # *.sch.uk
    "stmarys.lancs.sch.uk",     # below a wildcard child
    "annapurnaguides.np",       # *.np
    "motijheelideal.bd",        # *.bd
    "lagooncruises.ck",         # *.ck
    "www.ck",                   # !www.ck exception
    "aoba.yokohama.jp",         # *.yokohama.jp
    "city.kawasaki.jp",         # !city.kawasaki.jp exception
    "ferreira.nom.br",          # *.nom.br
    "sealionlodge.fk", "montegohills.jm", "angkorbicycle.kh", "inlegarden.mm",
    "massawaharbour.er", "highlandsmission.pg",
    "acme.com", "acme.co.uk", "studio.design", "xn--bcher-kva.de",
    "shop.xn--p1ai",            # an IDN top-level domain in its ASCII form
    "4x4-club.de",
]
INVALID_HOSTS = [
    "logo.png", "2x.png", "scale.jpg", "y.js", "1.2.3", "host.local", "b.c",
    "nas.home", "it.corp", "mail.lan", "office.test", "acme.invalid", "router.localhost",
    "gateway.localdomain", "parishcouncil.con", "acme.notatld",
    "localhost", "server", "-acme.com", "acme-.com", "a..com", "acme.c0m",
    "a" * 64 + ".com", ".".join(["abcdefghi"] * 30) + ".com",
]


@pytest.mark.parametrize("host", VALID_HOSTS)
def test_hosts_under_existing_top_level_domains_are_valid(host: str) -> None:
    assert is_valid_host(host)


@pytest.mark.parametrize("host", INVALID_HOSTS)
def test_hosts_without_an_existing_top_level_domain_are_invalid(host: str) -> None:
    assert not is_valid_host(host)


def test_top_level_domains_come_from_the_bundled_list_in_ascii() -> None:
    tlds = top_level_domains()
    assert {"com", "uk", "bd", "np", "ck", "jp", "xn--p1ai", "zip"} <= tlds
    assert not {"png", "js", "local", "corp", "home", "test", "example"} & tlds
    assert all(tld.isascii() for tld in tlds)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.acme.co.uk", "acme.co.uk"),
        ("mail.eu.acme.com", "acme.com"),
        ("oakfieldprimary.sch.uk", "oakfieldprimary.sch.uk"),  # a suffix is its own domain
        ("www.oakfieldprimary.sch.uk", "www.oakfieldprimary.sch.uk"),
        ("agency.ck", "agency.ck"),
        ("acme.notatld", ""),
    ],
)
def test_registrable_domain_groups_hosts_without_rejecting_suffixes(
    host: str, expected: str
) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("local", "domain", "expected"),
    [
        ("office", "oakfieldprimary.sch.uk", "office@oakfieldprimary.sch.uk"),
        ("Head", "StMarys.Lancs.Sch.UK", "head@stmarys.lancs.sch.uk"),
        ("info", "annapurnaguides.np.", "info@annapurnaguides.np"),
        ("info", "acme.com.Next", "info@acme.com"),        # a word glued after the dot
        ("toshokan", "aoba.yokohama.jp_x", "toshokan@aoba.yokohama.jp"),
        ("info", "bücher.de", "info@xn--bcher-kva.de"),
        ("info", "acme.com.html", "info@acme.com"),        # a file name after the host
        (".bob.", "acme.com", "bob@acme.com"),
        ("bob..smith", "acme.com", None),
        ("a" * 65, "acme.com", None),
        ("pkg", "1.2.3", None),
        ("logo", "2x.png", None),
        ("user", "host.local", None),
        ("a", "b.c", None),
        ("bob", "-acme.com", None),
    ],
)
def test_normalise_email(local: str, domain: str, expected: str | None) -> None:
    assert normalise_email(local, domain) == expected
