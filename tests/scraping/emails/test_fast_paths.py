"""Tests that the extractor's shortcuts give the same answers as the slow paths they skip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapersky.scraping.emails import (
    Link,
    analyse_html,
    extract_emails,
    prose,
    scan,
    scripts,
)

HINT_TOKENS = st.sampled_from([
    "t", "T", "e", "a", "c", "z", "u", "\u010d", "@", " ", "]", ")", "}", ">", "\uff09",
    "\u3011", "\uff3d", "#", "*", "_", "AT", "arroba", "arobase", "chez", "\uff20", "\ufe6b",
    "x", "\n",
])
SCRIPT_TOKENS = st.sampled_from([
    "\\", "u", "x", "{", "}", "0", "4", "6", "2", "&", "#", ";", "commat", "'", "+", "@", "/",
    ".", "-", "a", "acme.com", "info",
])


def _naive_hint_starts(text: str) -> list[int]:
    starts = []
    for hint in prose.OBFUSCATION_HINTS:
        at = text.find(hint)
        while at >= 0:
            starts.append(at)
            at = text.find(hint, at + 1)
    return sorted(starts)


@given(st.lists(HINT_TOKENS, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_bracket_hint_search_finds_every_obfuscation_hint(text: str) -> None:
    assert sorted(prose._hint_starts(text)) == _naive_hint_starts(text)


def test_hint_search_handles_brackets_at_the_edges() -> None:
    for text in ("]", ")t]", "t)", "x t ]", "@)", "(at) ", ">t>"):
        assert sorted(prose._hint_starts(text)) == _naive_hint_starts(text)


@given(st.lists(SCRIPT_TOKENS, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_scripts_skipped_by_may_hide_at_cannot_yield_an_at_sign(source: str) -> None:
    if not scripts.may_hide_at(source):
        assert "@" not in scripts.unescape_script(source)


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


TEXT_TOKENS = st.sampled_from([
    "info", "acme", ".com", " dot ", "(dot)", " (at) ", "[at]", " AT ", "(AT )", " arroba ",
    "(chez)", "{klammeraffe}", " ", "\t", "(", "AT", "t", "e", ")", "]", "x", "\n", "\n\n",
    " at ", "at", " chez ", "\u00e9", "(a)", "_at_", "\u30a2\u30c3\u30c8", "\uff0e", " punkt ",
    ".", "de", "jane", ":",
])


def _yields_address(text: str) -> bool:
    decoded = prose.deobfuscate(text)
    return any(scan.scan_text(text)) or (
        decoded is not None and any(scan.scan_text(decoded))
    )


@given(st.lists(TEXT_TOKENS, max_size=12).map("".join), st.lists(st.integers(0, 80)))
@settings(max_examples=1000, deadline=None)
def test_text_skipped_by_may_yield_address_yields_nothing_with_line_breaks(
    text: str, breaks: list[int]
) -> None:
    if prose.may_yield_address(text):
        return
    separated = text
    for position in sorted(breaks, reverse=True):
        separated = separated[:position] + "\n" + separated[position:]
    assert not _yields_address(separated)


def test_text_with_an_obfuscated_address_is_not_skipped() -> None:
    for text in ("info (at) acme.com", "info AT acme dot com", "info\uff20acme.com", "a@b.de"):
        assert prose.may_yield_address(text) and _yields_address(text)
    assert not prose.may_yield_address("Contact us (see above) at our office.")


def test_pages_without_address_text_still_give_links_and_other_findings() -> None:
    html = (
        '<p>Nothing to see (really)</p><a href="/x">Contact</a>'
        '<span title="Write to bob@acme.com">?</span>'
    )
    analysis = analyse_html(html, "https://acme.com/", "acme.com")
    assert [(f.email, f.method) for f in analysis.findings] == [("bob@acme.com", "attribute")]
    assert analysis.links == [Link("https://acme.com/x", "Contact")]


def test_block_separated_obfuscation_is_still_found() -> None:
    html = "<div><b>info</b> [at] <i>acme</i> (dot) com</div><div>AT</div><p>x</p>"
    assert [(f.email, f.method) for f in extract_emails(html)] == [
        ("info@acme.com", "obfuscated")
    ]


def test_fragment_relative_and_cloudflare_hrefs_resolve_as_before() -> None:
    encoded = "42" + bytes(byte ^ 0x42 for byte in b"bob@acme.com").hex()
    html = (
        '<a href="#top">Top</a><a href="">Self</a><a href="?q=1#x">Query</a>'
        f'<a href="/cdn-cgi/l/email-protection#{encoded}">m</a>'
        f'<a href="#/cdn-cgi/l/email-protection#{encoded}">m</a>'
        '<link rel="author" href="MAILTO:ann@acme.com"><a href="/a/#b"> A \n b </a>'
    )
    analysis = analyse_html(html, "https://acme.com/p?x=1#frag", "acme.com")
    assert analysis.links == [
        Link("https://acme.com/p?x=1", "Top"),
        Link("https://acme.com/p?x=1", "Self"),
        Link("https://acme.com/p?q=1", "Query"),
        Link("https://acme.com/a/", "A b"),
    ]
    assert {(f.email, f.method) for f in analysis.findings} == {
        ("bob@acme.com", "cfemail"),
        ("ann@acme.com", "mailto"),
    }
