"""Pieces a browser hides inside an address for harvesters to copy: dropped from the text.

The rule: an element a browser renders no box for (inline ``display:none`` or
``visibility:hidden`` in any spacing or case, ``!important`` or not; the ``hidden``
attribute; a class or id that a top-level rule of a ``<style>`` block of the page hides,
for simple selectors ``.x``, ``#y``, ``span.x``; or a conventional utility class such as
``hidden`` or ``d-none`` without a responsive variant beside it) is dropped when it sits
inside an address as the HTML writes it: glued to the address on both sides, or glued on
one side and a single token. ``aria-hidden`` hides from screen readers only, so it counts
as shown; rules inside ``@media`` are responsive, not hidden. A hidden element holding an
'@' or over 64 characters is a region (mobile menu, modal, accordion, "show e-mail"
panel): a click reveals it, so it stays published.

The walk starts at each '@' of the HTML source: a page pays a memchr per '@' and a few
slices; only an address with markup inside it reads tags, and only a class on such markup
reads the page's ``<style>`` blocks, once.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from string import ascii_letters, digits

from scrapersky.scraping.emails.decode import ENTITY_AT_RE

LOCAL_CHARS = ascii_letters + digits + "._+'-&#;"  # '&#;' keep entities inside a run
DOMAIN_CHARS = ascii_letters + digits + ".-&#;"
VOID_TAGS = frozenset({"img", "wbr", "br", "input"})
CONVENTIONAL_HIDDEN_CLASSES = frozenset({
    "hidden", "hide", "d-none", "displaynone", "display-none", "nodisplay", "no-display",
    "is-hidden", "invisible",
})
RESPONSIVE_CLASS_RE = re.compile(r"[\w-]*:|d-(?:sm|md|lg|xl|xxl)-|visible-")
HIDDEN_DECLARATION_RE = re.compile(
    r"(?i:display[ \t\r\n]*:[ \t\r\n]*none|visibility[ \t\r\n]*:[ \t\r\n]*hidden)"
)
TAG_NAME_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,15})")
ATTRIBUTE_RE = re.compile(
    r"([^\s\"'<>/=]{1,40})(?:[ \t\r\n]*=[ \t\r\n]*"
    r"(?:\"([^\"]{0,500})\"|'([^']{0,500})'|([^\s\"'<>]{1,500})))?"
)
MARKUP_RE = re.compile(r"<[^<>]{0,400}>")
SIMPLE_SELECTOR_RE = re.compile(r"(?:[A-Za-z][A-Za-z0-9]{0,15})?([.#][A-Za-z_][\w-]{0,63})")
MAX_ATS = 300
MAX_RUN_CHARS = 400  # a 64-character local part written as entities
SHORT_RUN_CHARS = 72
MAX_STEPS = 8
MAX_TAG_CHARS = 600
MAX_PIECE_CHARS = 64
MAX_PIECE_SOURCE_CHARS = 2000
MAX_CSS_CHARS = 500_000
MAX_RULE_CHARS = 2000
MAX_HIDDEN_RULES = 1000


class PageRules:
    """What hides an element on one page; the page's <style> rules are read on first need."""

    def __init__(self, html: str) -> None:
        self.html = html
        self._selectors: frozenset[str] | None = None

    def is_hidden(self, tag: str) -> bool:
        """Tell whether a start tag (its source text) hides its element."""
        attributes = {
            match.group(1).lower(): match.group(2) or match.group(3) or match.group(4) or ""
            for match in ATTRIBUTE_RE.finditer(tag, 1, len(tag) - 1)
        }
        if "hidden" in attributes or HIDDEN_DECLARATION_RE.search(attributes.get("style", "")):
            return True
        classes = attributes.get("class", "").split()
        if CONVENTIONAL_HIDDEN_CLASSES.intersection(classes) and not any(
            RESPONSIVE_CLASS_RE.match(name) for name in classes
        ):
            return True
        element_id = attributes.get("id")
        names = {f".{name}" for name in classes} | ({f"#{element_id}"} if element_id else set())
        if not names:
            return False
        if self._selectors is None:
            self._selectors = hidden_selectors(self.html)
        return not self._selectors.isdisjoint(names)


def hidden_selectors(html: str) -> frozenset[str]:
    """Return the '.class' and '#id' selectors that top-level <style> rules of html hide."""
    found: set[str] = set()
    budget, start = MAX_CSS_CHARS, html.find("<style")
    while start >= 0 and budget > 0:
        body = html.find(">", start) + 1
        end = html.find("</style", body)
        if body <= 0 or end < 0:
            break
        css = html[body:min(end, body + budget)]
        budget -= len(css)
        found.update(_css_hidden_selectors(css))
        start = html.find("<style", end)
    return frozenset(found)


def _css_hidden_selectors(css: str) -> list[str]:
    """Return the simple selectors of the top-level rules of css that hide elements."""
    selectors, depth, counted = [], 0, 0
    for _, match in zip(range(MAX_HIDDEN_RULES), HIDDEN_DECLARATION_RE.finditer(css), strict=False):
        low = max(0, match.start() - MAX_RULE_CHARS)
        opening = css.rfind("{", low, match.start())
        if opening < counted or css.find("}", opening, match.start()) >= 0:
            continue
        depth += css.count("{", counted, opening) - css.count("}", counted, opening)
        counted = opening
        if depth == 0:  # inside @media or @supports the rule hides only sometimes
            start = max(css.rfind("}", low, opening), css.rfind(";", low, opening)) + 1
            selectors.extend(_simple_selectors(css[start:opening]))
    return selectors


def _simple_selectors(prelude: str) -> list[str]:
    """Return the '.x' / '#y' parts of the simple selectors (x, .x, #y, span.x) of a rule."""
    parts = prelude.rpartition("*/")[2].split(",")  # a comment may end right before it
    matches = (SIMPLE_SELECTOR_RE.fullmatch(part.strip()) for part in parts)
    return [match.group(1) for match in matches if match]


def hidden_piece_fixes(
    html: str, inline: frozenset[str], entity_ats: bool = False
) -> list[tuple[str, str]]:
    """Return (as the text reads, as a browser shows) for each address with a hidden piece.

    Walks from every literal '@' of the source and, when entity_ats, from every '@' written
    as a character reference (&#64;, &#x40;, &commat;).
    """
    rules, fixes = PageRules(html), []
    for start, end in _at_signs(html, entity_ats):
        if _touches_markup(html, start, end):
            fix = _address_fix(html, start, end, inline, rules)
            if fix:
                fixes.append(fix)
    return fixes


def _at_signs(html: str, entity_ats: bool) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) of the first MAX_ATS '@' signs of html, literal then encoded."""
    at = html.find("@")
    for _ in range(MAX_ATS):
        if at < 0:
            break
        yield at, at + 1
        at = html.find("@", at + 1)
    if entity_ats:
        for _, match in zip(range(MAX_ATS), ENTITY_AT_RE.finditer(html), strict=False):
            yield match.start(), match.end()


def _touches_markup(html: str, start: int, end: int) -> bool:
    """Tell whether the address characters around an '@' run into a tag (the rare case)."""
    before = html[max(0, start - SHORT_RUN_CHARS):start]
    kept = before.rstrip(LOCAL_CHARS)
    if kept[-1:] == ">" or (not kept and start > SHORT_RUN_CHARS):
        return True
    after = html[end:end + SHORT_RUN_CHARS]
    kept = after.lstrip(DOMAIN_CHARS)
    return kept[:1] == "<" or (not kept and len(after) == SHORT_RUN_CHARS)


def _address_fix(
    html: str, start: int, end: int, inline: frozenset[str], rules: PageRules
) -> tuple[str, str] | None:
    """Return (written, shown) for the address around an '@' if a hidden piece is in it."""
    left = _walk_left(html, start, inline, rules)
    right = _walk_right(html, end, inline, rules)
    if not any(hidden for _, hidden in left + right):
        return None
    left.reverse()
    written = "".join(text for text, _ in left) + "@" + "".join(text for text, _ in right)
    shown = "".join(text for text, hidden in left if not hidden) + "@" + "".join(
        text for text, hidden in right if not hidden
    )
    return (html_lib.unescape(written), html_lib.unescape(shown)) if written != shown else None


def _walk_left(html: str, end: int, inline: frozenset[str], rules: PageRules) -> list:
    """Return the (text, hidden) pieces of a local part, from the '@' outwards."""
    pieces: list[tuple[str, bool]] = []
    for _ in range(MAX_STEPS):
        run = _run(html, end, leftwards=True)
        if run:
            pieces.append((run, False))
            end -= len(run)
        if html[end - 1:end] != ">":
            break
        step = _step_left(html, end, inline, rules)
        if step is None:
            break
        end, piece = step
        if piece is not None:
            pieces.append(piece)
    return _trim_outer(pieces)


def _walk_right(html: str, start: int, inline: frozenset[str], rules: PageRules) -> list:
    """Return the (text, hidden) pieces of a domain, from the '@' outwards."""
    pieces: list[tuple[str, bool]] = []
    for _ in range(MAX_STEPS):
        run = _run(html, start, leftwards=False)
        if run:
            pieces.append((run, False))
            start += len(run)
        if html[start:start + 1] != "<":
            break
        step = _step_right(html, start, inline, rules)
        if step is None:
            break
        start, piece = step
        if piece is not None:
            pieces.append(piece)
    return _trim_outer(pieces)


def _run(html: str, at: int, leftwards: bool) -> str:
    """Return the local-part characters ending at html[at], or the domain ones starting there."""
    for size in (SHORT_RUN_CHARS, MAX_RUN_CHARS):
        if leftwards:
            segment = html[max(0, at - size):at]
            run = segment[len(segment.rstrip(LOCAL_CHARS)):]
        else:
            segment = html[at:at + size]
            run = segment[:len(segment) - len(segment.lstrip(DOMAIN_CHARS))]
        if len(run) < size:
            break
    return run


def _trim_outer(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Drop hidden pieces of several words beyond the address's outer end: not inside it."""
    while pieces and pieces[-1][1] and any(char.isspace() for char in pieces[-1][0].strip()):
        pieces.pop()
    return pieces


def _step_left(
    html: str, end: int, inline: frozenset[str], rules: PageRules
) -> tuple[int, tuple[str, bool] | None] | None:
    """Step over the tag ending at html[end - 1]; None where the address cannot continue."""
    if html.endswith("-->", 0, end):
        start = html.rfind("<!--", max(0, end - MAX_TAG_CHARS), end)
        return (start, None) if start >= 0 else None
    start = html.rfind("<", max(0, end - MAX_TAG_CHARS), end)
    match = TAG_NAME_RE.match(html, start) if start >= 0 else None
    if match is None:
        return None
    name = match.group(2).lower()
    if match.group(1):  # an end tag: the element lies inside the address, maybe hidden
        opening = _opening_tag(html, name, start)
        if opening >= 0:
            tag_end = html.find(">", opening, start) + 1
            if rules.is_hidden(html[opening:tag_end]):
                piece = _piece(html[tag_end:start], name in inline)
                return None if piece is None else (opening, piece)
    return (start, None) if name in inline else None


def _step_right(
    html: str, start: int, inline: frozenset[str], rules: PageRules
) -> tuple[int, tuple[str, bool] | None] | None:
    """Step over the tag starting at html[start]; None where the address cannot continue."""
    if html.startswith("<!--", start):
        end = html.find("-->", start, start + MAX_TAG_CHARS)
        return (end + 3, None) if end >= 0 else None
    match = TAG_NAME_RE.match(html, start)
    tag_end = html.find(">", start, start + MAX_TAG_CHARS) + 1
    if match is None or tag_end <= 0:
        return None
    name = match.group(2).lower()
    if not match.group(1) and name not in VOID_TAGS and rules.is_hidden(html[start:tag_end]):
        closing = html.find("</" + name, tag_end, tag_end + MAX_PIECE_SOURCE_CHARS)
        piece = _piece(html[tag_end:closing], name in inline) if closing >= 0 else None
        after = html.find(">", closing) + 1 if piece is not None else 0
        return (after, piece) if after > 0 else None
    return (tag_end, None) if name in inline else None


def _opening_tag(html: str, name: str, closing: int) -> int:
    """Return where the start tag of the element closed at html[closing] begins, or -1."""
    at = html.rfind("<" + name, max(0, closing - MAX_PIECE_SOURCE_CHARS), closing)
    next_char = html[at + 1 + len(name):at + 2 + len(name)]
    return at if at >= 0 and next_char in (" ", "\t", "\n", "\r", ">", "/") else -1


def _piece(source: str, is_inline: bool) -> tuple[str, bool] | None:
    """Return a hidden element's text as the page text reads it; None if it is a region."""
    text = MARKUP_RE.sub("", source) if "<" in source else source
    if "@" in text or len(text) > MAX_PIECE_CHARS:
        return None
    return (text, True) if is_inline else (f"\n{text}\n", True)
