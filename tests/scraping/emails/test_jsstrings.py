"""Table tests of the string evaluator: the script forms it reads, and what it refuses."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.jslex import tokenize, unescape_js
from scrapersky.scraping.emails.jsstrings import (
    collect_code,
    evaluate,
    is_worth_evaluating,
    may_hide_at,
)

ROT13_CALLBACK = (
    'function(c){return String.fromCharCode((c<="Z"?90:122)>=(c=c.charCodeAt(0)+13)?c:c-26);}'
)

# (id, script source, {address: method}) — the script publishes exactly these.
BUILT = [
    ("u0040-escape", "var m = 'kontakt\\u0040baeckerei-ahrens.de';",
     {"kontakt@baeckerei-ahrens.de": "script"}),
    ("x40-escape", 'var m = "info\\x40hof-sonne\\x2ede";', {"info@hof-sonne.de": "script"}),
    ("braced-escape", "el.textContent = 'post\\u{40}praxis-vogt.at';",
     {"post@praxis-vogt.at": "script"}),
    ("octal-escape", 'document.write("team\\100agentur-wiese.de");',
     {"team@agentur-wiese.de": "script"}),
    ("concatenation", "var a = 'in' + 'fo' + '@' + 'reisebuero-kranz' + '.de';",
     {"info@reisebuero-kranz.de": "script"}),
    ("variables", "var u = 'anna.berg', d = 'notariat-berg.ch';\n"
     "document.getElementById('m').innerHTML = u + '@' + d;",
     {"anna.berg@notariat-berg.ch": "script"}),
    ("plus-assign",
     "var s = 'ver'; s += 'trieb@'; s += 'druckhaus-lenz.de'; el.href = 'mailto:' + s;",
     {"vertrieb@druckhaus-lenz.de": "script"}),
    ("joomla-cloak",
     "var prefix = '&#109;a' + 'i&#108;' + '&#116;o';\nvar path = 'hr' + 'ef' + '=';\n"
     "var addy1 = 'b&#101;ratung' + '&#64;';\naddy1 = addy1 + 'steuer-kolb' + '&#46;' + 'de';\n"
     "document.write('<a ' + path + '\\'' + prefix + ':' + addy1 + '\\'>' + addy1 + '<\\/a>');",
     {"beratung@steuer-kolb.de": "script"}),
    ("array-join",
     'var p = ["h","e","l","l","o","@","f","o","t","o","-","r","a","u","m",".","d","e"];'
     'el.innerText = p.join("");', {"hello@foto-raum.de": "script"}),
    ("split-reverse-join", "document.write('ed.tsak-nreggab@ofni'.split('').reverse().join(''));",
     {"info@baggern-kast.de": "reversed"}),
    ("array-reverse",
     "var a = ['.de', 'kasse-willmann', '@', 'service']; x = a.reverse().join('');",
     {"service@kasse-willmann.de": "reversed"}),
    ("from-char-code",
     "var s = String.fromCharCode(98,117,101,114,111,64,109,111,111,114,46,97,116);",
     {"buero@moor.at": "script"}),
    ("char-code-arithmetic",
     "x = String.fromCharCode(105, 110, 102, 111, 65 - 1, 120, 46, 100, 0x65);",
     {"info@x.de": "script"}),
    ("char-code-array-loop", "var c = [106,97,110,64,107,105,116,97,46,102,105], s = '';\n"
     "for (var i = 0; i < c.length; i++) s += String.fromCharCode(c[i]);",
     {"jan@kita.fi": "script"}),
    ("atob", "location.href = atob('bWFpbHRvOmhhbGxvQGJpa2UtbGFkZW4uZGU=');",
     {"hallo@bike-laden.de": "base64"}),
    ("unescape",
     "document.write(unescape('%6B%6F%6E%74%61%6B%74%40%6D%75%73%69%6B%2D%68%61%75%73"
     "%2E%64%65'));",
     {"kontakt@musik-haus.de": "script"}),
    ("decode-uri", "el.href = decodeURIComponent('mailto%3Apresse%40verlag-stern.de');",
     {"presse@verlag-stern.de": "script"}),
    ("rot13-replace", 'document.write("<n uers=\\"znvygb:vasb@png-pyvavp.qr\\">Znvy</n>".replace('
     "/[a-zA-Z]/g, " + ROT13_CALLBACK + "));", {"info@cat-clinic.de": "script"}),
    ("rot13-named", "function rot13(s){return s.replace(/[a-z]/gi, function(c){return c;});}\n"
     "el.href = rot13('znvygb:fnyrf@xnssrr-ebfg.qr');", {"sales@kaffee-rost.de": "script"}),
    ("iife-arguments",
     "(function(u, d){ document.write(u + '@' + d); })('empfang', 'hotel-linde.at');",
     {"empfang@hotel-linde.at": "script"}),
    ("declared-function",
     "function mail(u, d){ el.innerHTML = '<a href=\"mailto:' + u + '@' + d + '\">'; }"
     "\nmail('kanzlei', 'ra-feld.de');", {"kanzlei@ra-feld.de": "script"}),
    ("arrow-callback", "document.addEventListener('DOMContentLoaded', () => {"
     " el.href = 'mailto:' + ['termine', 'physio-ost.de'].join('@'); });",
     {"termine@physio-ost.de": "script"}),
    ("ternary", "x = lang == 'de' ? 'info@weingut-roth.de' : 'office@weingut-roth.de';",
     {"info@weingut-roth.de": "script", "office@weingut-roth.de": "script"}),
    ("object-display-text",
     "var c = {title: 'Kontakt', html: '<p>Mail: buero@moebel-lang.de</p>'};",
     {"buero@moebel-lang.de": "script"}),
    ("json-parse", "var d = JSON.parse('{\"text\":\"Schreiben Sie an hilfe@tafel-nord.de\"}');",
     {"hilfe@tafel-nord.de": "script"}),
]

# (id, script source) — nothing in these is a published address.
REFUSED = [
    ("licence-block-comment",
     "/*! widget v2 | (c) 2021 Jane Roe <jane.roe@widgetlib.io> | MIT */ x=1;"),
    ("jsdoc-author", "/**\n * @author Max Bauer <max@theme-forge.io>\n */\nfunction f(){}"),
    ("line-comment", "var a = 1; // questions: dev@plugin-shop.io"),
    ("html-comment-marker", "<!--\n// contact: ops@cdn-tools.net\n-->"),
    ("package-author",
     'var pkg = {"name":"tabs","version":"1.2.0","author":"Eva Lind <eva@tabs-ui.dev>"};'),
    ("package-maintainers",
     "module.exports = {maintainers: [{name: 'k', email: 'k@ui-kit.dev'}]};"),
    ("bare-record", 'window.__STATE__ = {"supportEmail":"help@saas-vendor.com","plan":"pro"};'),
    ("user-record", "var cfg = {user: {email: 'kunde@kundenmail.de', name: 'K'}};"),
    ("denied-assignment", "var currentUserEmail = 'eingeloggt@kundenmail.de';"),
    ("denied-call", "Sentry.setUser({email: 'anon@kundenmail.de'});"),
    ("unknown-pieces", "el.innerHTML = user + '@' + domain;"),
    ("regex-literal", "var ok = /^[a-z]+@[a-z]+\\.de$/.test(v);"),
    ("string-embedded-licence", "var banner = '/*! lib (c) Ann <ann@libs.dev> */';"),
]


def _found(source: str) -> dict[str, str]:
    found = FindingCollector(None)
    collect_code(source, found)
    return {finding.email: finding.method for finding in found.findings()}


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in BUILT], ids=[c[0] for c in BUILT])
def test_evaluator_reads_built_addresses(source: str, expected: dict[str, str]) -> None:
    assert _found(source) == expected


@pytest.mark.parametrize("source", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_evaluator_refuses_comments_metadata_and_records(source: str) -> None:
    assert _found(source) == {}


def test_character_table_loop_is_decoded() -> None:
    table = 'a@cfimnort.:eslx'
    target = "mailto:info@excel.at"
    indices = "".join(chr(table.index(char) + 48) for char in target)
    source = (f'ML="{table}";MI="{indices}";OT="";for(j=0;j<MI.length;j++)'
              "{OT+=ML.charAt(MI.charCodeAt(j)-48);}document.write(OT);")
    assert _found(source) == {"info@excel.at": "script"}


def test_licence_header_beside_a_written_address_keeps_only_the_address() -> None:
    source = (
        "/*! jQuery v3.6.0 | (c) OpenJS Foundation | jquery.org/license */\n"
        "/** @author Jane Roe <jane@widgetlib.io> */\n"
        "var pkg = {author: {name: 'J', email: 'jr@widgetlib.io'}};\n"
        "document.getElementById('c').innerHTML = 'Mail: ' + 'info' + '@' + 'cafe-lumen.de';"
    )
    assert _found(source) == {"info@cafe-lumen.de": "script"}


def test_a_record_is_refused_where_it_sits_but_read_where_code_writes_it() -> None:
    record = "var c = {email: 'info@gaertnerei-moos.de'};"
    assert _found(record) == {}
    assert _found(record + " el.href = 'mailto:' + c.email;") == {
        "info@gaertnerei-moos.de": "script"
    }
    assert _found("var email = 'info@gaertnerei-moos.de';") == {
        "info@gaertnerei-moos.de": "script"
    }


def test_escapes_decode_like_javascript() -> None:
    assert unescape_js("a\\x40b\\u0040c\\u{40}d\\100e\\'\\n") == "a@b@c@d@e'\n"


def test_json_values_become_one_token() -> None:
    tokens = tokenize('window.__S__ = {"a": [1, 2, {"b": "c"}]};')
    assert tokens.kinds == ["I", "P", "I", "P", "J", "P"]
    assert tokens.values[4] == {"a": [1, 2, {"b": "c"}]}


def test_gate_skips_scripts_that_cannot_build_an_address() -> None:
    wp_emoji = "var a=String.fromCharCode;p.fillText(a.apply(this,e),0,0);s([55356,56826,55356])"
    assert not is_worth_evaluating(wp_emoji)
    assert not is_worth_evaluating("var dsn = 'https://0a1b2c3d@o1.ingest.sentry.io/5';")
    assert not is_worth_evaluating('var s = {"@context":"https://schema.org","@type":"Thing"};')
    assert not is_worth_evaluating('window.__D__ = {"email":"a@b-shop.de","x":1};')
    for source in ("x = 'a' + '@' + 'b.de'", "x = String.fromCharCode(64)", "x = 'a&#64;b.de'",
                   "x = atob('YUBiLmRl')", "x = 'ed.b@a'.split('').reverse()", "x = 'a\\x40b.de'"):
        assert is_worth_evaluating(source), source
        assert may_hide_at(source), source


@given(st.lists(st.sampled_from([
    "'", '"', "`", "+", "(", ")", "[", "]", "{", "}", ",", ";", ":", "=", "=>", ".", "/", "\\",
    "@", "a", "b.de", "function", "var", "x", "13", "64", "String.fromCharCode", "atob",
    ".split('')", ".reverse()", ".join('')", "\\u0040", "\n", "/*", "*/", "//", "${", "`",
    "return", "?", "!", "-", "0x40", '{"a":', "[1,", "rot13", ".replace(/[a-z]/g,",
]), max_size=80).map("".join))
@settings(max_examples=400, deadline=None)
def test_evaluator_never_raises(source: str) -> None:
    for text, method in evaluate(source):
        assert isinstance(text, str) and method in ("script", "base64", "reversed")


@pytest.mark.parametrize("source", [
    "x=" + "(" * 60000 + "'a@b.de'" + ")" * 60000,
    "x=" + "{a:" * 30000 + "'@'" + "}" * 30000,
    "var a='@';" + "a=a+a;" * 20000,
    "x='" + "a" * 100000 + "@acme.de';y=x+x+x+x",
    "String.fromCharCode(" + "64," * 40000 + "64)",
    "function f(u){document.write(u+'@acme.de');f(u+u)}" + "f('x');" * 10000,
])
def test_evaluator_work_is_bounded(source: str) -> None:
    start = time.process_time()
    evaluate(source)
    assert time.process_time() - start < 2.0
