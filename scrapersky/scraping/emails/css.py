"""Inline ``<style>`` rules that change what text shows: bidi-override and content templates.

No CSS parser: the style text (comments removed) is split at each ``}`` and each piece at
its last ``{`` into a selector and its declarations, so rules nested in ``@media`` read as
themselves; linear in the style's size. Two kinds of rule matter:

- ``direction: rtl`` with ``unicode-bidi: bidi-override`` on a class (``.rev { ... }``):
  the browser shows the text of every element with that class reversed.
- ``content: attr(data-user) "@" attr(data-domain)`` on a pseudo-element: the browser
  shows the attributes and strings joined (reversed too under bidi-override), so each
  element carrying all those attributes shows an address built from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from scrapersky.scraping.emails.records import strip_comments

CONTENT_RE = re.compile(
    r"content\s*:\s*((?:attr\(\s*[\w-]{1,64}\s*\)|\"(?:[^\"\\]|\\.){0,400}\""
    r"|'(?:[^'\\]|\\.){0,400}'|\s+){1,16})"
)
PART_RE = re.compile(
    r"attr\(\s*([\w-]{1,64})\s*\)|\"((?:[^\"\\]|\\.){0,400})\"|'((?:[^'\\]|\\.){0,400})'"
)
CSS_ESCAPE_RE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t]?|\\(.)")
CLASS_RE = re.compile(r"\.([\w-]{1,64})")
MAX_STYLE_CHARS = 500_000


class ContentTemplate(NamedTuple):
    """A content declaration: ("attr", name) and ("text", literal) parts, maybe reversed."""

    parts: tuple[tuple[str, str], ...]
    reversed: bool


def style_rules(css: str) -> Iterator[tuple[str, str]]:
    """Yield (selector, declarations) for each rule of a style text."""
    css = strip_comments(css[:MAX_STYLE_CHARS])
    for chunk in css.split("}"):
        head, brace, body = chunk.rpartition("{")
        if brace:
            yield head.rsplit("{", 1)[-1].rsplit(";", 1)[-1].strip(), body


def is_bidi_override(declarations: str) -> bool:
    """Tell whether declarations show text reversed (rtl direction with bidi-override)."""
    lowered = declarations.lower()
    return "bidi-override" in lowered and "rtl" in lowered


def reversed_classes(css: str) -> set[str]:
    """Return the classes whose elements' own text a style shows reversed."""
    classes: set[str] = set()
    for selector, body in style_rules(css):
        if not is_bidi_override(body):
            continue
        for alternative in selector.split(","):
            compounds = alternative.split()
            if compounds and ":" not in compounds[-1]:  # not a pseudo-element's content
                classes.update(CLASS_RE.findall(compounds[-1]))
    return classes


def content_templates(css: str) -> list[ContentTemplate]:
    """Return the content templates of a style that build text from attributes or hold '@'."""
    templates = []
    for _, body in style_rules(css):
        match = CONTENT_RE.search(body) if "content" in body else None
        if match is None:
            continue
        parts = tuple(_part(piece) for piece in PART_RE.finditer(match.group(1)))
        if any(kind == "attr" or "@" in value for kind, value in parts):
            templates.append(ContentTemplate(parts, is_bidi_override(body)))
    return templates


def _part(match: re.Match[str]) -> tuple[str, str]:
    if match.group(1):
        return "attr", match.group(1).lower()
    literal = match.group(2) if match.group(2) is not None else match.group(3) or ""
    return "text", CSS_ESCAPE_RE.sub(_css_char, literal)


def _css_char(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF else ""
    return match.group(2)


def render(template: ContentTemplate, attributes: dict[str, str]) -> str | None:
    """Return the text a template shows for an element's attributes (None if one is missing)."""
    pieces = []
    for kind, value in template.parts:
        if kind == "attr":
            if value not in attributes:
                return None
            pieces.append(attributes[value])
        else:
            pieces.append(value)
    text = "".join(pieces)
    return text[::-1] if template.reversed else text
