"""Tests of mailto: links (RFC 6068): which recipients a link publishes, and which it does not."""

from __future__ import annotations

import time

import pytest

from scrapersky.scraping.emails import analyse_html, extract_emails
from scrapersky.scraping.emails.mailto import mailto_recipients

# (id, html, {email: method}) — every recipient of the link, and nothing else.
RECIPIENTS = [
    ("percent-at", '<a href="mailto:reception%40dental.co.uk">Email us</a>',
     {"reception@dental.co.uk": "mailto"}),
    ("percent-every-char", '<a href="mailto:%6B%6F%6E%74%61%6B%74%40%62%61%75%2E%64%65">x</a>',
     {"kontakt@bau.de": "mailto"}),
    ("comma-path", '<a href="mailto:a@club.de,b@club.de?subject=Hi">x</a>',
     {"a@club.de": "mailto", "b@club.de": "mailto"}),
    ("encoded-comma", '<a href="mailto:a@club.de%2Cb@club.de">x</a>',
     {"a@club.de": "mailto", "b@club.de": "mailto"}),
    ("to-cc-bcc", '<a href="mailto:?to=a@city.gov&amp;cc=b@city.gov&amp;bcc=c@city.gov">x</a>',
     {"a@city.gov": "mailto", "b@city.gov": "mailto", "c@city.gov": "mailto"}),
    ("field-names-any-case", '<a href="mailto:a@city.gov?CC=b@city.gov&Bcc=c@city.gov">x</a>',
     {"a@city.gov": "mailto", "b@city.gov": "mailto", "c@city.gov": "mailto"}),
    ("double-escaped-amp", '<a href="mailto:a@inn.nz?subject=x&amp;amp;cc=b@inn.nz">x</a>',
     {"a@inn.nz": "mailto", "b@inn.nz": "mailto"}),
    ("display-name", '<a href="mailto:Anna%20Nowak%20%3Canna@klinika.pl%3E">x</a>',
     {"anna@klinika.pl": "mailto"}),
    ("quoted-display-name", '<a href="mailto:%22Dr%20Nowak%22%20%3Cdr.nowak@klinika.pl%3E">x</a>',
     {"dr.nowak@klinika.pl": "mailto"}),
    ("entity-href", '<a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;&#x62;ob&#64;inn.es">x</a>',
     {"bob@inn.es": "mailto"}),
    ("capital-scheme", '<A HREF="MAILTO:Info@Fahrschule.AT">x</A>',
     {"info@fahrschule.at": "mailto"}),
    ("whitespace-and-newline", '<a href="\n mailto: anmeldung@fahrschule.at ">x</a>',
     {"anmeldung@fahrschule.at": "mailto"}),
    ("repeated-scheme", '<a href="Mailto:MAILTO:buero@fahrschule.at">x</a>',
     {"buero@fahrschule.at": "mailto"}),
    ("double-slash", '<a href="mailto://orders@cycles.ie">x</a>', {"orders@cycles.ie": "mailto"}),
    ("plus-tag", '<a href="mailto:support+eu@cycles.ie">x</a>', {"support+eu@cycles.ie": "mailto"}),
    ("double-percent-encoding", '<a href="mailto:segreteria%2540liceo.it">x</a>',
     {"segreteria@liceo.it": "mailto"}),
    ("utf8-idn", '<a href="mailto:info@b%C3%BCcher.de">x</a>', {"info@xn--bcher-kva.de": "mailto"}),
    ("latin1-idn", '<a href="mailto:info@b%FCcher.de">x</a>', {"info@xn--bcher-kva.de": "mailto"}),
    ("form-action", '<form action="mailto:join@swim.nl" method="post"></form>',
     {"join@swim.nl": "mailto"}),
    ("button-onclick", "<button onclick=\"window.location.href='mailto:race@swim.nl'\">x</button>",
     {"race@swim.nl": "mailto"}),
    ("anchor-onclick", "<a href=\"#\" onclick=\"location.href='mailto:board@swim.nl'\">x</a>",
     {"board@swim.nl": "mailto"}),
    ("javascript-href", "<a href=\"javascript:location.href='MAILTO:desk@swim.nl'\">x</a>",
     {"desk@swim.nl": "mailto"}),
    ("area", '<map><area href="mailto:info@kurort.de" alt="E-Mail"></map>',
     {"info@kurort.de": "mailto"}),
    ("link-author", '<link rel="author" href="mailto:web@kurort.de">', {"web@kurort.de": "mailto"}),
]

# (id, html) — links whose only '@' is not a recipient, or is no address at all.
NO_RECIPIENT = [
    ("share-link", '<a href="mailto:?subject=Read&amp;body=https%3A%2F%2Fnews.de%2Fa">x</a>'),
    ("empty", '<a href="mailto:">Leserbrief</a><a href="mailto: ">x</a>'),
    ("address-in-body", '<a href="mailto:?body=Write%20to%20ref%40credit.org">Invite</a>'),
    ("address-in-subject", '<a href="mailto:?subject=From%20member@credit.org">Invite</a>'),
    ("truncated-escape", '<a href="mailto:reservas%4">x</a><a href="mailto:%E2%82contato">y</a>'),
    ("at-without-domain", '<a href="mailto:recepcao%40">x</a><a href="mailto:%%40%ZZ">y</a>'),
    ("template", '<a href="mailto:{{ site.email }}">x</a><a href="mailto:[email]">y</a>'),
    ("placeholder", '<a href="mailto:info@yourdomain.com">x</a>'),
    ("commented-out", '<!-- <a href="mailto:old@plumbing.com.au">old</a> --><p>Call us</p>'),
    ("onclick-without-mailto", "<button onclick=\"location.href='/contact'\">x</button>"),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in RECIPIENTS],
                         ids=[c[0] for c in RECIPIENTS])
def test_every_recipient_of_a_mailto_link_is_found(html: str, expected: dict[str, str]) -> None:
    assert {f.email: f.method for f in extract_emails(html)} == expected


@pytest.mark.parametrize("html", [c[1] for c in NO_RECIPIENT], ids=[c[0] for c in NO_RECIPIENT])
def test_links_without_a_recipient_yield_nothing(html: str) -> None:
    assert extract_emails(html) == []


def test_subject_and_body_addresses_are_not_recipients_beside_a_real_one() -> None:
    html = ('<a href="mailto:presse@lumiere.fr?subject=a%40b.fr&amp;body=reply%20to%20'
            'redaction%40gazette.fr">Press</a>')
    assert [f.email for f in extract_emails(html)] == ["presse@lumiere.fr"]


def test_recipients_are_decoded_and_joined() -> None:
    assert mailto_recipients("mailto:a%40x.de?cc=b@x.de&subject=c@x.de") == "a@x.de, b@x.de"
    assert mailto_recipients("MAILTO:?To=a@x.de") == "a@x.de"


def test_mailto_link_is_not_a_crawl_link() -> None:
    html = '<a href="mailto:a@x.de">Mail</a><form action="mailto:b@x.de"></form><a href="/k">K</a>'
    assert [link.url for link in analyse_html(html, "https://x.de/").links] == ["https://x.de/k"]


def test_context_shows_link_text_and_what_follows_when_the_page_does_not_show_it() -> None:
    html = "<p><a href='mailto:office@kanzlei.de'>Write to the office</a> (replies in 24 h)</p>"
    (finding,) = extract_emails(html)
    assert finding.context == "office@kanzlei.de Write to the office (replies in 24 h)"


def test_long_repeated_schemes_and_handlers_finish_fast() -> None:
    pages = [
        '<a href="' + "mailto:" * 100_000 + 'x@acme.de">x</a>',
        '<a href="#" onclick="' + "mailto:" * 100_000 + '">x</a>',
        '<a href="mailto:?' + "cc=&" * 100_000 + '">x</a>',
    ]
    for html in pages:
        start = time.perf_counter()
        extract_emails(html)
        assert time.perf_counter() - start < 1.0
