"""Addresses hidden in inline scripts (escapes, concatenation, reversed literals) or by CSS."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

from lxml import etree

from scrapersky.scraping.emails.collector import FindingCollector, snippet
from scrapersky.scraping.emails.scan import scan_text

SCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module", "text/ecmascript")
JSON_VALUE_RE = re.compile(r"\"[ \t]{0,2}:[ \t]{0,2}\"(?:mailto:)?\Z")
REVERSED_XPATH = etree.XPath("//*[contains(@style, 'rtl')] | //bdo[@dir='rtl']")
JS_ESCAPE_RE = re.compile(r"\\u\{?([0-9a-fA-F]{4})\}?|\\x([0-9a-fA-F]{2})|\\([/@.\-])")
JS_CONCAT_RE = re.compile(r"(['\"`])[ \t]{0,8}\+[ \t\r\n]{0,8}\1")
JS_REVERSED_RE = re.compile(
    r"(['\"])([^'\"\\\n]{5,254})\1[ \t]{0,4}\.split\([ \t]{0,4}(['\"])\3[ \t]{0,4}\)"
    r"[ \t]{0,4}\.reverse\("
)


def may_hide_at(source: str) -> bool:
    """Tell whether unescape_script(source) can contain an '@' at all."""
    # Only \u and \x escapes decode to any character; the other escapes, string
    # concatenation and entities need a literal '@', '&#' or '&commat' to yield an '@'.
    return (
        "@" in source or "&#" in source or "&commat" in source
        or "\\u" in source or "\\x" in source
    )


def unescape_script(source: str) -> str:
    """Undo JavaScript escapes, string concatenation and entities that hide addresses."""
    if "\\" in source:
        source = JS_ESCAPE_RE.sub(_js_char, source)
    if "+" in source and ("&#" in source or "'@'" in source or '"@"' in source):
        source = JS_CONCAT_RE.sub("", source)
    if "&#" in source or "&commat;" in source:
        source = html_lib.unescape(source)
    return source


def _js_char(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else match.group(3)


def reversed_literals(script: str) -> Iterator[str]:
    """Yield string literals that a script reverses with split('').reverse()."""
    if ".reverse(" in script:
        for match in JS_REVERSED_RE.finditer(script):
            yield match.group(2)[::-1]



def collect_scripts(root: etree._Element, found: FindingCollector) -> None:
    """Record addresses that inline scripts spell out or reverse."""
    for script in root.iter("script"):
        source = script.text
        if source and (script.get("type") or "").strip().lower() in SCRIPT_TYPES:
            for literal in reversed_literals(source):
                found.scan(literal, "reversed")
            if may_hide_at(source):
                _scan_script_code(unescape_script(source), found)


def _scan_script_code(code: str, found: FindingCollector) -> None:
    """Record addresses in script code, skipping JSON state values (data, not displayed)."""
    for email, position in scan_text(code):
        if not JSON_VALUE_RE.search(code, max(0, position - 40), position):
            found.add(email, "script", snippet(code, position, position + len(email)))


def collect_reversed(root: etree._Element, html: str, found: FindingCollector) -> None:
    """Record text that CSS (direction: rtl with bidi-override) or <bdo> shows reversed."""
    if "bidi-override" in html or next(root.iter("bdo"), None) is not None:
        for element in REVERSED_XPATH(root):
            found.scan("".join(element.itertext())[::-1], "reversed")
