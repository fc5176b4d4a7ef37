"""Addresses that inline scripts write or build, script data, templates and reversing CSS.

One walk over ``<script>``, ``<template>``, ``<style>`` and ``<joomla-hidden-mail>``
elements dispatches each: JavaScript (also Cloudflare Rocket Loader's renamed types) to
the string evaluator (``jsstrings``), JSON-LD and JSON data islands to ``data`` and
``hydration``, script templates and ``<template>`` content to ``data``, styles to ``css``.
A script is evaluated only if it can yield an '@': it holds one near a string boundary, a
decoder (``atob``, ``fromCharCode``, ``%40``, ``\\u0040``, ``&#64;``...) or a transform
(``reverse``, ``charAt``, ROT13), or an address already shows in its source. Comments and
package metadata in scripts and styles are never read (see ``jsstrings`` and ``records``).
"""

from __future__ import annotations

import re

from lxml import etree

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.css import (
    ContentTemplate,
    content_templates,
    render,
    reversed_classes,
)
from scrapersky.scraping.emails.data import (
    add_jsonld_text,
    collect_template,
    collect_template_source,
)
from scrapersky.scraping.emails.decode import add_hidden_mail
from scrapersky.scraping.emails.hydration import collect_flight, collect_json_data, is_flight
from scrapersky.scraping.emails.jsstrings import (
    collect_code,
    evaluate,
    is_worth_evaluating,
    may_hide_at,
)
from scrapersky.scraping.emails.records import add_published, readings

__all__ = ["collect_reversed", "collect_scripts", "may_hide_at", "unescape_script"]

SCRIPT_TYPES = frozenset({
    "", "text/javascript", "application/javascript", "module", "text/ecmascript",
    "application/ecmascript", "application/x-javascript", "text/jscript", "text/partytown",
})
RENAMED_SCRIPT_SUFFIXES = ("-text/javascript", "-module")  # Cloudflare Rocket Loader
TEMPLATE_TYPE_WORDS = ("template", "handlebars", "mustache", "tmpl", "jsrender")
CONTENT_AT_RE = re.compile(r"content\s*:\s*[\"'][^\"'@;{}]{0,64}@")
MAX_PAGE_TOKENS = 80_000  # evaluator tokens per page, over all its scripts
MAX_STYLE_RULES = 32  # reversing classes and content templates read per style
ATTRIBUTE_NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,63}\Z")
BIDI_XPATH = etree.XPath(
    "//*[contains(@style, 'bidi-override') and contains(@style, 'rtl')] | //bdo[@dir='rtl']"
)


def unescape_script(source: str) -> str:
    """Return the text a script publishes, as the scanner reads it, one string per line."""
    return "\n".join(reading for text, _ in evaluate(source) for reading in readings(text))


def collect_scripts(root: etree._Element, found: FindingCollector) -> None:
    """Record addresses in scripts, script data, templates and styles (one walk)."""
    flight: list[str] = []
    tokens_left = MAX_PAGE_TOKENS
    for element in root.iter("script", "template", "style", "joomla-hidden-mail"):
        tag = element.tag
        if tag == "script":
            tokens_left -= _collect_script(element, found, flight, tokens_left)
        elif tag == "template":
            collect_template(element, found)
        elif tag == "style":
            _collect_style(root, element.text or "", found)
        else:
            add_hidden_mail(found, element.attrib)
    if flight:
        collect_flight(flight, found)


def _collect_script(
    element: etree._Element, found: FindingCollector, flight: list[str], tokens_left: int
) -> int:
    """Dispatch one script element by its type; return the tokens its evaluation cost."""
    source = element.text
    if not source:
        return 0
    kind = (element.get("type") or "").strip().lower()
    if kind in SCRIPT_TYPES or kind.endswith(RENAMED_SCRIPT_SUFFIXES):
        if is_flight(source):
            flight.append(source)
        elif tokens_left > 0 and is_worth_evaluating(source):
            return collect_code(source, found, tokens_left)
    elif kind == "application/ld+json":
        add_jsonld_text(found, source)
    elif kind.endswith("json"):
        collect_json_data(source, element.get("id"), found)
    elif kind == "text/html" or any(word in kind for word in TEMPLATE_TYPE_WORDS):
        collect_template_source(source, found)
    return 0


def _collect_style(root: etree._Element, css: str, found: FindingCollector) -> None:
    """Record text a style shows reversed (by class) or builds from attributes."""
    if "bidi-override" in css:
        for name in sorted(reversed_classes(css))[:MAX_STYLE_RULES]:
            path = f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
            for element in root.xpath(path):
                found.scan("".join(element.itertext())[::-1], "reversed")
    if "content" in css and ("attr(" in css or CONTENT_AT_RE.search(css)):
        for template in list(dict.fromkeys(content_templates(css)))[:MAX_STYLE_RULES]:
            _collect_template_text(root, template, found)


def _collect_template_text(
    root: etree._Element, template: ContentTemplate, found: FindingCollector
) -> None:
    """Record what a CSS content template shows on every element that has its attributes."""
    method = "reversed" if template.reversed else "attribute"
    names = [value for kind, value in template.parts if kind == "attr"]
    if not all(ATTRIBUTE_NAME_RE.match(name) for name in names):
        return
    if not names:  # literal content: text the page shows
        literal_method = "reversed" if template.reversed else "text"
        add_published(found, [render(template, {}) or ""], literal_method)
        return
    path = "//*[" + " and ".join(f"@{name}" for name in names) + "]"
    for element in root.xpath(path):
        text = render(template, {name: element.get(name, "") for name in names})
        if text:
            add_published(found, [text], method)


def collect_reversed(root: etree._Element, html: str, found: FindingCollector) -> None:
    """Record text that an inline style (rtl with bidi-override) or <bdo> shows reversed."""
    if "bidi-override" in html or next(root.iter("bdo"), None) is not None:
        for element in BIDI_XPATH(root):
            found.scan("".join(element.itertext())[::-1], "reversed")
