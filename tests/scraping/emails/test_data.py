"""Tests of data in attributes, templates and hydration JSON, and of the record rule."""

from __future__ import annotations

import base64
import json

import pytest

from scrapersky.scraping.emails import extract_emails
from scrapersky.scraping.emails.decode import decrypt_typo3
from scrapersky.scraping.emails.hydration import devalue_strings, flight_strings
from scrapersky.scraping.emails.records import (
    display_strings,
    is_denied_key,
    is_display_text,
    may_publish_json,
    strip_comments,
)


def _found(html: str) -> dict[str, str]:
    return {finding.email: finding.method for finding in extract_emails(html)}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _typo3(plain: str, vector: int) -> str:
    out = []
    for char in plain:
        code = ord(char)
        for start, end in ((0x2B, 0x3A), (0x40, 0x5A), (0x61, 0x7A)):
            if start <= code <= end:
                code = start + (code - start + vector) % (end - start + 1)
                break
        out.append(chr(code))
    return "".join(out)


def _next_data(data: dict) -> str:
    return f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'


# (id, html, {address: method}) — data a page publishes.
PUBLISHED = [
    ("data-email", '<button data-email="termin@friseur-glanz.de">Mail</button>',
     {"termin@friseur-glanz.de": "attribute"}),
    ("data-email-reversed", '<a href="#" data-email="ed.znalg-ruesirf@nimret">Mail</a>',
     {"termin@friseur-glanz.de": "reversed"}),
    ("user-domain-pair", '<a data-user="info" data-domain="imkerei-sommer.de" href="#">M</a>',
     {"info@imkerei-sommer.de": "attribute"}),
    ("name-domain-tld", '<a class="cryptedmail" data-name="hallo" data-domain="atelier-grau"'
     ' data-tld="ch" href="#"></a>', {"hallo@atelier-grau.ch": "attribute"}),
    ("pair-written-backwards", '<span data-user="ofni" data-website="ed.suahmmal"></span>',
     {"info@lammhaus.de": "reversed"}),
    ("enc-email-rot13", '<a href="javascript:;" data-enc-email="ohreb[at]fpuervarerv-cnhy.qr">'
     "*protected email*</a>", {"buero@schreinerei-paul.de": "attribute"}),
    ("typo3-token", f'<a href="#" data-mailto-token="{_typo3("mailto:rathaus@gemeinde-au.de", 5)}"'
     ' data-mailto-vector="5">Rathaus</a>', {"rathaus@gemeinde-au.de": "script"}),
    ("joomla-hidden-mail", f'<joomla-hidden-mail is-link="1" is-email="1" first="{_b64("post")}"'
     f' last="{_b64("chor-lenz.at")}" text="{_b64("post@chor-lenz.at")}">'
     "geschützt</joomla-hidden-mail>",
     {"post@chor-lenz.at": "base64"}),
    ("handler-concatenation", "<a href=\"javascript:location.href='mailto:'+'kasse'+'@'+"
     "'tafel-ost.de'\">Mail</a>", {"kasse@tafel-ost.de": "script"}),
    ("template-element", "<template><p>Presse: <i>presse</i>@<i>verlag-lind.de</i></p></template>",
     {"presse@verlag-lind.de": "text"}),
    ("template-obfuscated", "<template><p>presse [at] verlag-lind.de</p></template>",
     {"presse@verlag-lind.de": "obfuscated"}),
    ("noscript-in-head", "<html><head><noscript><p>Mail: shop@hofladen-eck.de</p></noscript>"
     "</head><body><p>x</p></body></html>", {"shop@hofladen-eck.de": "text"}),
    ("next-data-rich-text", _next_data({"props": {"pageProps": {"body": "<p>Fragen? "
     '<a href="mailto:hilfe@verein-fluss.de">Schreiben Sie uns</a></p>'}}}),
     {"hilfe@verein-fluss.de": "script"}),
    ("next-data-render-key",
     _next_data({"props": {"footer": {"label": "kontakt@verein-fluss.de"}}}),
     {"kontakt@verein-fluss.de": "script"}),
    ("json-in-json-string",
     _next_data({"props": {"blocks": json.dumps({"text": "info@hafen-kiel.de"})}}),
     {"info@hafen-kiel.de": "script"}),
]

REFUSED = [
    ("next-data-bare-record",
     _next_data({"props": {"contact": {"email": "info@verein-fluss.de"}}})),
    ("next-data-author-prose", _next_data({"props": {"author": {"bio": "Mail: a@autorin-x.de"}}})),
    ("next-data-user", _next_data({"props": {"currentUser": {"note": "Hi, a@kunde-y.de"}}})),
    ("plausible-domain", '<script defer data-domain="radhaus.de" src="/js/script.js"></script>'),
    ("cookie-name-domain", '<tr data-name="_pk_id" data-domain="radhaus.de"><td>x</td></tr>'),
    ("placeholder-in-template", '<template><input placeholder="du@beispiel.de"></template>'),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in PUBLISHED],
                         ids=[c[0] for c in PUBLISHED])
def test_data_publishes(html: str, expected: dict[str, str]) -> None:
    assert _found(html) == expected


@pytest.mark.parametrize("html", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_data_refuses(html: str) -> None:
    assert _found(html) == {}


def test_record_rule_reads_display_text_only() -> None:
    assert is_display_text("mailto:a@b.de", "href")
    assert is_display_text("<p>a@b.de</p>", None)
    assert is_display_text("Schreiben Sie an a@b.de", "note")
    assert is_display_text("a@b.de", "children") and is_display_text("a@b.de", "innerHTML")
    assert not is_display_text("a@b.de", "email")
    assert not is_display_text("a@b.de, c@d.de", "cc")


def test_denied_keys_are_read_as_words() -> None:
    for key in ("user", "currentUser", "created_by", "authorEmail", "maintainers", "smtpFrom",
                "notificationRecipient", "session"):
        assert is_denied_key(key), key
    for key in ("contact", "footer", "team", "mailbox", "office"):
        assert not is_denied_key(key), key


def test_display_strings_skip_denied_subtrees() -> None:
    data = {"page": {"text": "a@b.de ok"}, "user": {"text": "c@d.de ok"}, "list": ["e@f.de x"]}
    assert sorted(display_strings(data)) == ["a@b.de ok", "e@f.de x"]


def test_big_blob_precheck_only_walks_when_something_could_be_published() -> None:
    assert not may_publish_json('{"a":{"email":"x@y.de"},"@type":"Thing","url":"https://m.com/@u"}')
    assert may_publish_json('{"a":{"text":"x@y.de"}}')
    assert may_publish_json('{"a":"write to x@y.de"}')


def test_devalue_strings_are_read_under_the_key_pointing_at_them() -> None:
    data = [["ShallowReactive", 1], {"footer": 2, "user": 4}, {"text": 3}, "Mail: a@b.de",
            {"bio": 5}, "Ich bin c@d.de"]
    assert list(devalue_strings(data)) == ["Mail: a@b.de"]


def test_flight_rows_read_elements_and_text_rows() -> None:
    payload = (
        '1:["$","a",null,{"href":"mailto:a@b.de","children":"x"}]\n'
        '2:{"user":{"email":"c@d.de"}}\n'
        "3:Tc,Mail: e@f.de\n"
    )
    assert list(flight_strings(payload)) == ["mailto:a@b.de", "Mail: e@f.de"]


def test_typo3_tokens_decrypt_with_their_vector() -> None:
    assert decrypt_typo3(_typo3("mailto:a@b.de", 7), 7) == "mailto:a@b.de"
    assert decrypt_typo3(_typo3("mailto:a@b.de", 7)) == "mailto:a@b.de"
    assert decrypt_typo3("not a cipher") is None


def test_comments_are_stripped_linearly() -> None:
    assert strip_comments("a/* x@y.de */b/* open") == "ab"
