"""Tests of the script walk: which scripts are read, how, and what CSS shows reversed or builds."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails import extract_emails
from scrapersky.scraping.emails.css import content_templates, render, reversed_classes
from scrapersky.scraping.emails.scripts import may_hide_at, unescape_script


def _found(html: str) -> dict[str, str]:
    return {finding.email: finding.method for finding in extract_emails(html)}


# (id, html, {address: method}) — what the page publishes through its scripts and styles.
PAGES = [
    ("plain-script", "<script>document.write('info@' + 'brauhaus-alt.de');</script>",
     {"info@brauhaus-alt.de": "script"}),
    ("module-script", "<script type=module>el.textContent = 'team' + '@' + 'ruderclub-see.de'"
     "</script>", {"team@ruderclub-see.de": "script"}),
    ("rocket-loader-type", '<script type="0a1b2c3d-text/javascript">'
     "x.innerHTML = 'kasse' + '@' + 'freibad-nord.de';</script>",
     {"kasse@freibad-nord.de": "script"}),
    ("json-ld-in-walk", '<script type="application/ld+json">{"@type":"Organization",'
     '"email":"office@glaserei-pohl.at"}</script>', {"office@glaserei-pohl.at": "jsonld"}),
    ("template-type", '<script type="text/template"><p>Fragen: hallo@eisdiele-luna.de</p></script>',
     {"hallo@eisdiele-luna.de": "text"}),
    ("class-reversed", "<style>.rev{direction:rtl;unicode-bidi:bidi-override}</style>"
     "<p class='x rev'>ed.ennos-fohrem@ofni</p>", {"info@merhof-sonne.de": "reversed"}),
    ("media-nested-class", "<style>@media screen{.r{unicode-bidi:bidi-override;direction:rtl}}"
     "</style><span class=r>moc.sdrawkcab-ycul@yl</span>", {"ly@lucy-backwards.com": "reversed"}),
    ("inline-style-reversed", '<span style="unicode-bidi:bidi-override; direction: rtl;">'
     "ed.negart-ekram@ofni</span>", {"info@marke-tragen.de": "reversed"}),
    ("css-attr-template", '<style>.m::after{content: attr(data-u) "\\40" attr(data-d)}</style>'
     '<a class=m data-u="buero" data-d="holzbau-eck.ch"></a>',
     {"buero@holzbau-eck.ch": "attribute"}),
    ("css-literal-content", '<style>.c:before{content:"post@druckerei-lahn.de"}</style>',
     {"post@druckerei-lahn.de": "text"}),
]

REFUSED = [
    ("json-state-unknown-purpose", '<script type="application/json">{"email":"bob@acme.com"}'
     "</script>"),
    ("style-comment", "<style>/* Author: Kim Lee <kim@theme-shop.io> */ p{color:red}</style>"),
    ("script-comment-only", "<script>// maintainer: dev@plugin-vendor.io\nvar a = 1;</script>"),
    ("plain-text-type", '<script type="text/plain" data-cookieconsent="statistics">'
     "x = 'a' + '@' + 'tracker-firma.de';</script>"),
    ("rtl-without-override", '<p style="direction: rtl">ed.ecalp-olleh@ofni</p>'),
    ("bidi-on-pseudo-element", "<style>.x:before{unicode-bidi:bidi-override;direction:rtl}"
     "</style><p class=x>ed.sdrow-lamron@ofni</p>"),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in PAGES], ids=[c[0] for c in PAGES])
def test_scripts_and_styles_publish(html: str, expected: dict[str, str]) -> None:
    assert _found(html) == expected


@pytest.mark.parametrize("html", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_scripts_and_styles_refuse(html: str) -> None:
    assert _found(html) == {}


def test_licence_comment_beside_a_real_address_keeps_the_real_one() -> None:
    html = (
        "<style>/*! Theme: Nordlicht | Author: Kim Lee <kim@theme-shop.io> */</style>"
        "<script>/** @license MIT @author Ann Roe <ann@widget-lib.dev> */"
        "var c = {author: 'Ann Roe <ann@widget-lib.dev>'};"
        "document.write('Kontakt: ' + 'info' + '@' + 'cafe-nordlicht.de');</script>"
    )
    assert _found(html) == {"info@cafe-nordlicht.de": "script"}


def test_reversed_classes_ignore_pseudo_elements_and_comments() -> None:
    css = (
        "/* .old{unicode-bidi:bidi-override;direction:rtl} */"
        ".a, div.b {direction: RTL; unicode-bidi: bidi-override}"
        ".c::before{unicode-bidi:bidi-override;direction:rtl} .d{direction:rtl}"
    )
    assert reversed_classes(css) == {"a", "b"}


def test_content_template_renders_attributes_and_escapes() -> None:
    css = '.e:before{content: attr(data-website) "\\0040" attr(data-user); direction: rtl;' \
          " unicode-bidi: bidi-override}"
    (template,) = content_templates(css)
    assert template.reversed
    assert render(template, {"data-user": "ofni", "data-website": "ed.kcab"}) == "info@back.de"
    assert render(template, {"data-user": "ofni"}) is None


def test_unescape_script_reads_like_the_scanner_and_skip_is_safe() -> None:
    assert unescape_script("x = 'info&#64;' + 'acme' + '&#46;de'") == "info@acme.de"
    assert not may_hide_at("var a = 'https:\\/\\/acme.com\\/x'; b = 'a\\nb';")


def test_page_budget_bounds_many_large_scripts() -> None:
    script = "<script>" + "x = 'a' + '@' + 'b.de';" * 5000 + "</script>"
    html = script * 20 + "<script>document.write('spaet' + '@' + 'spaet-ende.de')</script>"
    assert "spaet@spaet-ende.de" not in _found(html)  # the evaluator stopped at its budget
