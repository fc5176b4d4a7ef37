"""Tests that the extractor's shortcuts give the same answers as the slow paths they skip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapersky.scraping import emails_text
from scrapersky.scraping.emails import Link, analyse_html, extract_emails

HINT_TOKENS = st.sampled_from([
    "t", "T", "e", "@", " ", "]", ")", "}", ">", "AT", "arroba", "chez", "\uff20", "\ufe6b",
    "x", "\n",
])
SCRIPT_TOKENS = st.sampled_from([
    "\\", "u", "x", "{", "}", "0", "4", "6", "2", "&", "#", ";", "commat", "'", "+", "@", "/",
    ".", "-", "a", "acme.com", "info",
])


def _naive_hint_starts(text: str) -> list[int]:
    starts = []
    for hint in emails_text.OBFUSCATION_HINTS:
        at = text.find(hint)
        while at >= 0:
            starts.append(at)
            at = text.find(hint, at + 1)
    return sorted(starts)


@given(st.lists(HINT_TOKENS, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_bracket_hint_search_finds_every_obfuscation_hint(text: str) -> None:
    assert sorted(emails_text._hint_starts(text)) == _naive_hint_starts(text)


def test_hint_search_handles_brackets_at_the_edges() -> None:
    for text in ("]", ")t]", "t)", "x t ]", "@)", "(at) ", ">t>"):
        assert sorted(emails_text._hint_starts(text)) == _naive_hint_starts(text)


@given(st.lists(SCRIPT_TOKENS, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_scripts_skipped_by_may_hide_at_cannot_yield_an_at_sign(source: str) -> None:
    if not emails_text.may_hide_at(source):
        assert "@" not in emails_text.unescape_script(source)


def test_script_with_only_slash_escapes_and_no_at_sign_yields_nothing() -> None:
    html = '<script>var u = "https:\\/\\/acme.com\\/x"; var n = "a\\nb";</script><p>x</p>'
    assert extract_emails(html) == []


def test_script_with_escaped_at_sign_is_still_decoded() -> None:
    html = "<script>var m = 'info\\u0040acme.com';</script><p>x</p>"
    assert [(f.email, f.method) for f in extract_emails(html)] == [("info@acme.com", "script")]


def test_anchor_text_of_nested_markup_is_all_its_text_collapsed() -> None:
    html = (
        '<a href="/x">Write <b>to <i>us</i></b><script>s</script>\n now</a>'
        '<a href="https://acme.com/y#top"><img alt="i">  Map  </a>'
    )
    assert analyse_html(html, "https://acme.com/").links == [
        Link("https://acme.com/x", "Write to uss now"),
        Link("https://acme.com/y", "Map"),
    ]


def test_cloudflare_href_on_absolute_url_is_decoded_not_linked() -> None:
    encoded = "42" + bytes(byte ^ 0x42 for byte in b"bob@acme.com").hex()
    html = f'<a href="https://acme.com/cdn-cgi/l/email-protection#{encoded}">mail</a>'
    analysis = analyse_html(html, "https://acme.com/")
    assert [(f.email, f.method) for f in analysis.findings] == [("bob@acme.com", "cfemail")]
    assert analysis.links == []


def test_reversed_bdo_is_found_whatever_the_tag_case() -> None:
    for tag in ("bdo", "BDO"):
        html = f"<p><{tag} dir='rtl'>moc.emca@bob</{tag}></p>"
        assert [(f.email, f.method) for f in extract_emails(html)] == [
            ("bob@acme.com", "reversed")
        ]


def test_whitespace_only_pages_are_not_parsed() -> None:
    assert analyse_html(" \n\t\u3000").links == [] and analyse_html("").findings == []
