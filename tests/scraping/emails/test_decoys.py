"""Tests of decoy tokens (NOSPAM, REMOVETHIS, "remove the X"): report what a person writes to."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails import extract_emails
from scrapersky.scraping.emails.decoys import clean_address

# (id, html, {email: method}) — the decoy token is cut, the method stays the text's own.
CLEANED = [
    ("caps-local-suffix", "<p>jane.NOSPAM@acme.de</p>", {"jane@acme.de": "text"}),
    ("caps-glued", "<p>janeREMOVETHIS@acme.de</p>", {"jane@acme.de": "text"}),
    ("caps-domain-label", "<p>jane@NO-SPAM.acme.de</p>", {"jane@acme.de": "text"}),
    ("caps-inside-domain", "<p>jane@acmeNOSPAM.de</p>", {"jane@acme.de": "text"}),
    ("caps-plus-tag", "<p>jane+NOSPAM@acme.de</p>", {"jane@acme.de": "text"}),
    ("caps-middle-keeps-a-dot", "<p>jane.NOSPAM.doe@acme.de</p>", {"jane.doe@acme.de": "text"}),
    ("caps-invalid-label", "<p>jane@acme.INVALID.de</p>", {"jane@acme.de": "text"}),
    ("invalid-suffix", "<p>jane@acme.de.invalid</p>", {"jane@acme.de": "text"}),
    ("obfuscated-keeps-method", "<p>jane.NOSPAM [at] acme [dot] de</p>",
     {"jane@acme.de": "obfuscated"}),
    ("mailto-keeps-method", '<a href="mailto:jane.NOSPAM@acme.de">Jane</a>',
     {"jane@acme.de": "mailto"}),
    ("twin-on-page", "<p>info@acme.de</p><p>info.nospam@acme.de</p>", {"info@acme.de": "text"}),
    ("en-named-letter", "<p>janeX@acme.ca (remove the X)</p>", {"jane@acme.ca": "text"}),
    ("de-piece", "<p>jane_nospam@acme.de (bitte _nospam entfernen)</p>", {"jane@acme.de": "text"}),
    ("fr-named-token", "<p>jane.nospam@acme.fr (supprimez nospam)</p>", {"jane@acme.fr": "text"}),
    ("es-guillemets", "<p>reservas.nospam@sol.es (elimine «nospam»)</p>",
     {"reservas@sol.es": "text"}),
    ("it-caps-named", "<p>segreteria@NOSPAM.coro.it (rimuovere NOSPAM)</p>",
     {"segreteria@coro.it": "text"}),
    ("nl-named-letters", "<p>infoXX@bakker.nl (verwijder de XX)</p>", {"info@bakker.nl": "text"}),
    ("pt-quoted", "<p>contato-remover@pousada.com.br (remova \"-remover\")</p>",
     {"contato@pousada.com.br": "text"}),
    ("invalid-label-named", "<p>jane@acme.invalid.de: remove .invalid</p>",
     {"jane@acme.de": "text"}),
    ("instruction-in-caps-address", "<p>JANE.NOSPAM@ACME.DE (remove NOSPAM)</p>",
     {"jane@acme.de": "text"}),
    ("instruction-after-link",
     '<p><a href="mailto:jane.nospam@acme.de">Jane</a> (remove nospam)</p>',
     {"jane@acme.de": "mailto"}),
]

# (id, html, expected addresses) — real addresses that merely contain such a word.
KEPT = [
    ("whole-local-part", "<p>nospam@acme.de</p>", {"nospam@acme.de"}),
    ("spam-word", "<p>Report spam to spamreport@acme.de</p>", {"spamreport@acme.de"}),
    ("lower-case-token-unnamed", "<p>jane_nospam@acme.de</p>", {"jane_nospam@acme.de"}),
    ("instruction-names-nothing-in-it",
     "<p>We can remove your address from a blocklist: write to antispam-team@acme.de</p>",
     {"antispam-team@acme.de"}),
    ("domain-is-the-word", "<p>info@nospam.de, to remove yourself write to us</p>",
     {"info@nospam.de"}),
    ("capital-that-starts-a-name", "<p>bookingsX@inn.ca (remove the X) or Xavier@inn.ca</p>",
     {"bookings@inn.ca", "xavier@inn.ca"}),
    ("all-caps-address", "<p>JANE.NOSPAM@ACME.DE</p>", {"jane.nospam@acme.de"}),
    ("lower-case-invalid-label", "<p>jane@acme.invalid.de</p>", {"jane@acme.invalid.de"}),
    ("product-name", "<p>Questions about Kestrel NoSpam: sales@kestrel.net</p>",
     {"sales@kestrel.net"}),
]

# (id, html) — the only address is a decoy that leaves nothing valid.
NOTHING_LEFT = [
    ("placeholder-after-cut", "<p>no-one@exampleREMOVEME.com</p>"),
    ("no-domain-after-cut", "<p>pete@NOSPAM.net</p>"),
    ("reserved-only", "<p>jennyandtom@NOSPAM.invalid</p>"),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in CLEANED],
                         ids=[c[0] for c in CLEANED])
def test_decoy_token_is_cut(html: str, expected: dict[str, str]) -> None:
    assert {f.email: f.method for f in extract_emails(html)} == expected


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in KEPT], ids=[c[0] for c in KEPT])
def test_real_addresses_with_such_words_are_kept(html: str, expected: set[str]) -> None:
    assert {f.email for f in extract_emails(html)} == expected


@pytest.mark.parametrize("html", [c[1] for c in NOTHING_LEFT], ids=[c[0] for c in NOTHING_LEFT])
def test_decoy_with_nothing_valid_left_is_dropped(html: str) -> None:
    assert extract_emails(html) == []


def test_cleaned_address_is_classified_again() -> None:
    (finding,) = extract_emails("<p>info.NOSPAM@acme.de</p>", "www.acme.de")
    assert (finding.email, finding.email_type) == ("info@acme.de", "service")


def test_clean_address_reads_the_spelling_of_its_context() -> None:
    assert clean_address("a.nospam@x.de", "mail a.NOSPAM@x.de", set()) == "a@x.de"
    assert clean_address("a.nospam@x.de", "mail a.nospam@x.de", set()) == "a.nospam@x.de"
    assert clean_address("a.nospam@x.de", "", {"a@x.de"}) == "a@x.de"
