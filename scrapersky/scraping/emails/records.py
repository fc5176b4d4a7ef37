"""The record rule: which strings of script data (object literals, JSON state) a page shows.

Object properties and JSON data are records. A string there counts as published only when
it is display text: a ``mailto:`` link, markup, an address among other words, or the value
of a key that holds text to render (``text``, ``html``, ``content``, ``children``,
``label``, ``title``, ...). A bare value under any other key (``"email": "x@acme.de"``,
``"supportEmail": ...``) is a record field the page may never show: state blobs carry
authors', customers' and vendors' addresses. Whatever sits under a key that names an
account, authorship or package metadata, or mail delivery (``user``, ``customer``,
``session``, ``author``, ``maintainers``, ``recipient``, ``smtp``, ...) is never read, nor
are licence comments (``/* ... */``) inside a string. A string that holds JSON is decoded
and read by the same rule.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from urllib.parse import unquote

from scrapersky.scraping.emails.collector import FindingCollector, snippet
from scrapersky.scraping.emails.scan import scan_text

RENDER_KEYS = frozenset({
    "text", "html", "innerhtml", "content", "contents", "body", "children", "label",
    "title", "subtitle", "caption", "description", "heading", "summary", "excerpt",
    "markdown", "richtext", "copy", "message", "notice", "footer", "footertext",
})
DENIED_WORDS = frozenset({
    "user", "users", "viewer", "visitor", "customer", "customers", "account", "accounts",
    "session", "auth", "login", "me", "subscriber", "author", "authors", "creator",
    "creators", "owner", "owners", "maintainer", "maintainers", "contributor",
    "contributors", "reviewer", "reviewers", "created", "updated", "modified", "bugs",
    "recipient", "recipients", "sender", "smtp", "notification", "notifications", "notify",
    "admin", "from", "reply", "cc", "bcc",
})
CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
WORD_RE = re.compile(r"[a-z]+")
MARKUP_MARKS = ("</", "/>", "<br", "href=")
ENTITY_AT_RE = re.compile(r"&#0*64|&#[xX]0*40|&commat")
KEY_TAIL_RE = re.compile(r"\"([\w$-]{1,64})\"\s*:\s*\Z")
MAX_AT_SIGNS = 2000
MAX_LOOKAROUND_CHARS = 4000
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})?[^<>]{0,1000}>")
INLINE_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "em", "font", "i", "kbd", "mark",
    "q", "s", "small", "span", "strong", "sub", "sup", "tt", "u", "var", "wbr",
})
MAX_JSON_NODES = 20_000
MAX_PUBLISHED_TEXTS = 1000
MAX_JSON_TEXT_DEPTH = 3


@lru_cache(maxsize=8192)
def is_denied_key(key: str) -> bool:
    """Tell whether a key or name denotes an account, author, package metadata or delivery."""
    return not DENIED_WORDS.isdisjoint(WORD_RE.findall(CAMEL_RE.sub(" ", key).lower()))


@lru_cache(maxsize=8192)
def is_render_key(key: str) -> bool:
    """Tell whether a key holds text to render (text, html, children, label, ...)."""
    return "".join(WORD_RE.findall(key.lower())) in RENDER_KEYS


def may_hold_at(text: str) -> bool:
    """Tell whether text holds an '@', written plainly or as an entity or percent escape."""
    if "@" in text:
        return True
    if "&" in text and ("&#" in text or "&commat" in text):
        return ENTITY_AT_RE.search(text) is not None
    return "%" in text and ("%40" in text or "%u0040" in text)


def may_publish_json(raw: str) -> bool:
    """Tell whether raw JSON may hold an '@' the record rule publishes (one look per '@').

    A fast pre-check for big state blobs: an '@' counts when the string around it has
    words, markup, mailto: or escapes, or sits under a render key; anything unclear counts.
    """
    if "\\u0040" in raw or "&#" in raw or "&commat" in raw or "%40" in raw:
        return True
    at = raw.find("@")
    for _ in range(MAX_AT_SIGNS):
        if at < 0:
            return False
        start = raw.rfind('"', max(0, at - MAX_LOOKAROUND_CHARS), at)
        end = raw.find('"', at, at + MAX_LOOKAROUND_CHARS)
        if start < 0 or end < 0:
            return True
        value = raw[start + 1:end]
        if "\\" in value or "<" in value or " " in value or "mailto:" in value.lower():
            return True
        key = KEY_TAIL_RE.search(raw, max(0, start - 80), start)
        if key is not None and is_render_key(key.group(1)):
            return True
        at = raw.find("@", end)
    return True


def is_display_text(text: str, key: str | None) -> bool:
    """Tell whether a record's string is text to show: a link, markup, words or a render key."""
    stripped = text.strip()
    if stripped[:7].lower() == "mailto:" or any(mark in text for mark in MARKUP_MARKS):
        return True
    if key is not None and is_render_key(key):
        return True
    return any("@" not in word and any(c.isalpha() for c in word) for word in stripped.split())


def strip_comments(text: str) -> str:
    """Return text without /* ... */ comments (licence headers); linear, no regex."""
    pieces, position = [], 0
    start = text.find("/*")
    while start >= 0:
        pieces.append(text[position:start])
        end = text.find("*/", start + 2)
        if end < 0:
            return "".join(pieces)
        position = end + 2
        start = text.find("/*", position)
    pieces.append(text[position:])
    return "".join(pieces)


def looks_like_json(text: str) -> bool:
    """Tell whether a string holds a JSON object or array (by its first and last characters)."""
    head, tail = text[:64].lstrip()[:1], text[-64:].rstrip()[-1:]
    return len(text) > 1 and head + tail in ("{}", "[]")


def json_of(text: str) -> dict | list | None:
    """Return the JSON object or array a string holds, or None."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict | list) else None


def display_strings(data: object, key: str | None = None, depth: int = 0) -> Iterator[str]:
    """Yield the strings of decoded JSON that the record rule publishes (any nesting)."""
    if not isinstance(data, dict | list):
        return
    stack: list[tuple[object, str | None]] = [(data, key)]
    seen = 0
    while stack and seen < MAX_JSON_NODES:
        node, key = stack.pop()
        seen += 1
        pairs = node.items() if isinstance(node, dict) else ((key, item) for item in node)
        for name, value in pairs:
            if isinstance(value, str):
                if ("@" in value or "&" in value or "%" in value) and may_hold_at(value) and (
                    name is None or name == key or not is_denied_key(str(name))
                ):
                    yield from published_strings(value, name, depth)
            elif isinstance(value, dict | list) and value and (
                name is None or name == key or not is_denied_key(str(name))
            ):
                stack.append((value, None if name is None else str(name)))


def published_strings(text: str, key: str | None, depth: int = 0) -> Iterator[str]:
    """Yield a record's string if the rule publishes it (JSON inside it is read as records)."""
    data = json_of(text) if looks_like_json(text) and depth < MAX_JSON_TEXT_DEPTH else None
    if data is not None:
        yield from display_strings(data, key, depth + 1)
        return
    if is_display_text(text, key):
        yield strip_comments(text) if "/*" in text else text


def add_published(found: FindingCollector, texts: Iterable[str], method: str) -> None:
    """Record every address in published strings (markup, entities and %-escapes read)."""
    for text in islice(texts, MAX_PUBLISHED_TEXTS):
        for reading in readings(text):
            for email, position in scan_text(reading):
                found.add(email, method, snippet(reading, position, position + len(email)))


def readings(text: str) -> list[str]:
    """Return how a published string reads: entities decoded, then %-decoded, tags dropped."""
    text = html_lib.unescape(text) if "&" in text else text
    result = [text]
    if "%" in text:
        decoded = unquote(text, errors="replace")
        if decoded != text:
            result.append(decoded)
    if "<" in text:
        stripped = TAG_RE.sub(_tag_gap, text)
        if stripped != text:
            result.append(stripped)
    return result


def _tag_gap(match: re.Match[str]) -> str:
    """Return '' for an inline tag (its text joins its neighbours), else a line break."""
    return "" if (match.group(2) or "").lower() in INLINE_TAGS else "\n"
