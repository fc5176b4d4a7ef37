"""URL canonicalisation, same-site tests and contact scores."""

from __future__ import annotations

import pytest

from scrapersky.scraping.urls import (
    CONTACT_SCORE,
    LEGAL_SCORE,
    PEOPLE_SCORE,
    canonicalise_url,
    contact_score,
    has_skipped_extension,
    is_same_site,
)


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.COM:80/a//b/?b=2&a=1#frag", "http://example.com/a/b/?a=1&b=2"),
    ("https://example.com:443", "https://example.com/"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("https://example.com/p?utm_source=x&id=3&gclid=1&fbclid=2", "https://example.com/p?id=3"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://bücher.example/ü", "https://xn--bcher-kva.example/%C3%BC"),
    ("https://example.com/a%20b", "https://example.com/a%20b"),
])
def test_canonicalise_url_normalises(url: str, expected: str) -> None:
    assert canonicalise_url(url) == expected


@pytest.mark.parametrize("url", [
    "mailto:info@example.com", "tel:+4912345", "javascript:alert(1)", "data:text/html,hi",
    "ftp://example.com/", "https://user:pw@example.com/", "https://exa mple.com/", "",
    "https://example.com/" + "a" * 3000,
])
def test_canonicalise_url_rejects_unfetchable(url: str) -> None:
    assert canonicalise_url(url) is None


@pytest.mark.parametrize(("url", "include_subdomains", "expected"), [
    ("https://www.example.com/x", False, True),
    ("http://example.com/x", False, True),
    ("https://shop.example.com/", False, False),
    ("https://shop.example.com/", True, True),
    ("https://example.org/", True, False),
    ("https://notexample.com/", True, False),
    ("https://example.com:8080/", False, False),
])
def test_is_same_site(url: str, include_subdomains: bool, expected: bool) -> None:
    site = "https://example.com/"
    assert is_same_site(site, url, include_subdomains=include_subdomains) is expected


def test_has_skipped_extension() -> None:
    assert has_skipped_extension("https://e.com/files/report.PDF")
    assert has_skipped_extension("https://e.com/a/photo.jpg")
    assert not has_skipped_extension("https://e.com/contact.html")
    assert not has_skipped_extension("https://e.com/v1.2/about")


@pytest.mark.parametrize(("url", "text", "expected"), [
    ("https://e.com/kontakt", "", CONTACT_SCORE),
    ("https://e.com/x", "Nous contacter", CONTACT_SCORE),
    ("https://e.com/mentions-legales", "", CONTACT_SCORE),
    ("https://e.com/page?id=4", "Impressum", CONTACT_SCORE),
    ("https://e.com/contatti", "", CONTACT_SCORE),
    ("https://e.com/ueber-uns", "", PEOPLE_SCORE),
    ("https://e.com/x", "Our team", PEOPLE_SCORE),
    ("https://e.com/agb", "", LEGAL_SCORE),
    ("https://e.com/x", "Terms and conditions", LEGAL_SCORE),
    ("https://e.com/products/widgets", "Widgets", 0),
    ("https://e.com/o-nas/zesp%C3%B3%C5%82", "", PEOPLE_SCORE),
    ("https://e.com/x", "Hakkımızda", PEOPLE_SCORE),
])
def test_contact_score(url: str, text: str, expected: int) -> None:
    assert contact_score(url, text) == expected


@pytest.mark.parametrize("path", [
    "/privacy", "/privacy-policy", "/legal", "/legal-notice", "/imprint", "/impressum",
    "/datenschutz", "/datenschutzerklaerung", "/datenschutzerkl%C3%A4rung", "/privacidad",
    "/politica-de-privacidad", "/aviso-de-privacidad", "/aviso-legal", "/confidentialite",
    "/politique-de-confidentialit%C3%A9", "/mentions-l%C3%A9gales", "/protezione-dati",
    "/informativa-privacy", "/note-legali", "/privacybeleid", "/colofon", "/integritetspolicy",
    "/personvern", "/personvernerkl%C3%A6ring", "/polityka-prywatnosci",
    "/polityka-prywatno%C5%9Bci", "/ochrana-osobnich-udaju",
    "/ochrana-osobn%C3%ADch-%C3%BAdaj%C5%AF",
    "/tietosuoja", "/tietosuojaseloste", "/adatvedelem", "/adatv%C3%A9delem", "/gizlilik",
    "/kvkk", "/kisisel-verilerin-korunmasi", "/protecao-de-dados", "/prote%C3%A7%C3%A3o-de-dados",
    "/politica-de-privacidade", "/gdpr", "/dsgvo", "/data-protection-officer",
])
def test_privacy_legal_and_imprint_pages_rank_as_contact_pages(path: str) -> None:
    assert contact_score("https://e.com" + path) == CONTACT_SCORE


@pytest.mark.parametrize("text", [
    "Privacy", "Datenschutzerklärung", "Mentions légales", "Politique de confidentialité",
    "Polityka prywatności", "Ochrana osobních údajů", "Adatvédelem", "Gizlilik Politikası",
    "KVKK Aydınlatma Metni", "Proteção de dados", "Aviso de privacidad", "Legal notice",
])
def test_privacy_and_legal_anchor_texts_rank_as_contact_pages(text: str) -> None:
    assert contact_score("https://e.com/page?id=7", text) == CONTACT_SCORE
