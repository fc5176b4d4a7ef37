"""Tests of hidden pieces inside addresses: the decoy a browser never shows is not reported."""

from __future__ import annotations

import time

import pytest

from scrapersky.scraping.emails import extract_emails
from scrapersky.scraping.emails.hidden import hidden_piece_fixes, hidden_selectors
from scrapersky.scraping.emails.page import INLINE_TAG_SET

# (id, html, expected addresses) — a piece hidden inside the address is dropped.
DECOY_PIECES = [
    ("inline-display-none", '<p>jane<span style="display:none">null</span>@acme.de</p>',
     {"jane@acme.de"}),
    ("spacing-case-important", '<p>ja<b style="DISPLAY : None !important">REMOVE THIS</b>'
     "ne@acme.de</p>", {"jane@acme.de"}),
    ("visibility-hidden", '<p>jane@<i style="visibility:hidden">x</i>acme.de</p>',
     {"jane@acme.de"}),
    ("hidden-attribute", "<p>fiske<span hidden>.ta-bort</span>@stugby.se</p>", {"fiske@stugby.se"}),
    ("page-class-rule", "<style>.displaynone{display:none}</style>"
     '<p>anna@<span class="displaynone">null</span>foto.de</p>', {"anna@foto.de"}),
    ("page-id-rule", "<style>#d9 { visibility: hidden }</style>"
     '<p>anna<em id="d9">x</em>@foto.de</p>', {"anna@foto.de"}),
    ("tag-class-rule-in-list", "<style>a{color:red} p.x, span.hddn{display:none}</style>"
     '<p>anna@<span class="post hddn">del.</span>foto.de</p>', {"anna@foto.de"}),
    ("conventional-class", '<p>anna<span class="d-none">.spam</span>@foto.de</p>',
     {"anna@foto.de"}),
    ("entity-at", '<style>.hddn { display: none; }</style><p>secretary&#64;<span class="hddn">'
     "del.</span>regiment.org.uk</p>", {"secretary@regiment.org.uk"}),
    ("hex-entity-at", '<p>per<span style="display:none">null</span>&#x40;&#x61;cme.de</p>',
     {"per@acme.de"}),
    ("hidden-block-element", '<p>jane<div style="display:none">x</div>@acme.de</p>',
     {"jane@acme.de"}),
    ("piece-at-outer-edge", '<p>Mail:<span class="hide">x</span>jane@acme.de</p>',
     {"jane@acme.de"}),
    ("nested-markup-in-piece", '<p>jane<span hidden><b>nu</b>ll</span>@acme.de</p>',
     {"jane@acme.de"}),
    ("in-link-text", '<a href="mailto:sales@print.com.au">sales<span style="display:none">'
     ".REMOVE-THIS</span>@print.com.au</a>", {"sales@print.com.au"}),
]

# (id, html, expected addresses) — what is shown, or published behind a click, stays.
SHOWN_OR_PUBLISHED = [
    ("aria-hidden-is-shown", '<p>jane<span aria-hidden="true">x</span>@acme.de</p>',
     {"janex@acme.de"}),
    ("media-rule-is-responsive", "<style>@media (max-width:600px){.m{display:none}}</style>"
     '<p>jane<span class="m">x</span>@acme.de</p>', {"janex@acme.de"}),
    ("responsive-utility", '<p>jane<span class="d-none d-md-inline">x</span>@acme.de</p>',
     {"janex@acme.de"}),
    ("hidden-region-with-address", '<div style="display:none"><p>bob@acme.com</p></div>',
     {"bob@acme.com"}),
    ("hidden-menu", '<nav><a href="#">Menu</a><ul class="hidden"><li>desk@acme.de</li></ul></nav>',
     {"desk@acme.de"}),
    ("hidden-inline-address", 'Mail:<span style="display:none">jane@acme.de</span>',
     {"jane@acme.de"}),
    ("hidden-words-beside-address", "<p>Kontakt <span hidden>bitte nicht</span> jane@acme.de</p>",
     {"jane@acme.de"}),
    ("overflow-hidden-is-not-hidden", '<p>jane<span style="overflow:hidden">x</span>@acme.de</p>',
     {"janex@acme.de"}),
    ("screen-reader-text-is-not-hidden", '<p><span class="sr-only">E-Mail: </span>jane@acme.de</p>',
     {"jane@acme.de"}),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in DECOY_PIECES],
                         ids=[c[0] for c in DECOY_PIECES])
def test_hidden_piece_inside_an_address_is_dropped(html: str, expected: set[str]) -> None:
    assert {f.email for f in extract_emails(html)} == expected


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in SHOWN_OR_PUBLISHED],
                         ids=[c[0] for c in SHOWN_OR_PUBLISHED])
def test_shown_or_revealable_text_is_kept(html: str, expected: set[str]) -> None:
    assert {f.email for f in extract_emails(html)} == expected


def test_fix_pairs_the_written_and_the_shown_address() -> None:
    html = '<p>jane<span style="display:none">null</span>@acme.de and bob@acme.de</p>'
    assert hidden_piece_fixes(html, INLINE_TAG_SET) == [("janenull@acme.de", "jane@acme.de")]


def test_plain_addresses_need_no_fix() -> None:
    html = '<style>@media print{a{b:c}}</style><a href="mailto:a@b.de">a@<b>b</b>.de</a>'
    assert hidden_piece_fixes(html, INLINE_TAG_SET, entity_ats=True) == []


def test_hidden_selectors_are_top_level_simple_rules_only() -> None:
    html = (
        "<style>/* .c{display:none} */ .a, div.b, #c { display : none }"
        " .d .e{display:none} .f:hover{visibility:hidden} .g{color:red}"
        " @media screen{.h{display:none}} .i{visibility:hidden!important}</style>"
    )
    assert hidden_selectors(html) == {".a", ".b", "#c", ".i"}


def test_many_at_signs_and_large_stylesheets_finish_fast() -> None:
    pages = [
        "<p>" + "x@<b>" * 30_000 + "</p>",
        "<p>" + '&#64;<span class="z">' * 30_000 + "</p>",
        "<style>" + "display:none;" * 100_000 + '</style><p>a<span class="q">b</span>@acme.de</p>',
        "<p>a" + '<span style="display:none">x</span>' * 20_000 + "@acme.de</p>",
    ]
    for html in pages:
        start = time.perf_counter()
        extract_emails(html)
        assert time.perf_counter() - start < 1.0
