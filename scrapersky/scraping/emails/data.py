"""Structured data that publishes addresses: attributes, microdata, JSON-LD and templates.

Attributes: ``title``, ``aria-label``, ``alt``, every ``data-*`` (except sources) and
``<meta content>`` are read as written; a ``data-*mail*`` value that holds an '@' but no
address is also read reversed (scripts that un-reverse it on click). Event handlers and
``javascript:`` URLs are code, read by the string evaluator. Encoded and split attributes
(cfemail, ``data-enc-email``, TYPO3 tokens, ``data-user`` + ``data-domain``) are decoded
in ``decode``.

Templates: a ``<template>`` element's content and a script template (``type=
"text/template"``, ``text/x-handlebars-template``, ``text/html``, ...) are markup that
scripts render, so their text is read as visible text (every text rule applies).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from copy import deepcopy

from lxml import etree

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.jsstrings import collect_code, is_worth_evaluating
from scrapersky.scraping.emails.mailto import mailto_recipients
from scrapersky.scraping.emails.page import INLINE_TAGS, collect_text, parse_html

ATTRIBUTE_XPATH = etree.XPath("//@*[contains(., '@')]")
PUBLISHED_ATTRIBUTES = frozenset({"title", "aria-label", "alt"})
MICRODATA_MARK_RE = re.compile(r"itemprop=[\"']?email\b")
MICRODATA_XPATH = etree.XPath("//*[@itemprop='email']")
JSONLD_EMAIL_RE = re.compile(r"\"email\"[ \t]{0,4}:[ \t]{0,4}\"([^\"]{3,320})\"")
MAX_JSON_NODES = 5000
MAX_TEMPLATE_CHARS = 200_000
MAX_HANDLERS = 200  # event handlers and javascript: URLs evaluated per page
MAX_HANDLER_TOKENS = 4000


def jsonld_emails(source: str) -> list[str]:
    """Return the values of every "email" key in a JSON-LD block (any nesting)."""
    try:
        data = json.loads(source, strict=False)
    except (ValueError, RecursionError):
        return [html_lib.unescape(value) for value in JSONLD_EMAIL_RE.findall(source)]
    found: list[str] = []
    stack, seen = [data], 0
    while stack and seen < MAX_JSON_NODES:
        node, seen = stack.pop(), seen + 1
        if isinstance(node, dict):
            for key, value in node.items():
                if key.lower() == "email":
                    values = value if isinstance(value, list) else [value]
                    found.extend(item for item in values if isinstance(item, str))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def collect_attributes(root: etree._Element, found: FindingCollector) -> None:
    """Record addresses in attributes a page publishes, and in handler code."""
    handlers = 0
    for value in ATTRIBUTE_XPATH(root):
        name = value.attrname
        if name.startswith("on") or (name == "href" and value.lstrip()[:11].lower() == (
            "javascript:"
        )):
            handlers += 1
            if handlers <= MAX_HANDLERS:
                _collect_handler(str(value), found)
        elif _is_published_attribute(name, value.getparent().tag):
            found.scan(str(value), "attribute")
            if "mail" in name and name.startswith("data-") and str(value) not in found:
                found.scan(str(value)[::-1], "reversed")


def _collect_handler(code: str, found: FindingCollector) -> None:
    """Record the addresses an event handler or javascript: URL builds or writes."""
    code = code.strip()
    code = code[11:] if code[:11].lower() == "javascript:" else code
    if is_worth_evaluating(code):
        collect_code(code, found, MAX_HANDLER_TOKENS)


def _is_published_attribute(name: str, tag: str) -> bool:
    """Tell whether an attribute may publish an address (not src, href, value, placeholder)."""
    if name.startswith("data-"):
        return "src" not in name
    return name in PUBLISHED_ATTRIBUTES or (name == "content" and tag == "meta")


def collect_microdata(root: etree._Element, html: str, found: FindingCollector) -> None:
    """Record schema.org microdata email properties."""
    if "itemprop" not in html or not MICRODATA_MARK_RE.search(html):
        return
    for element in MICRODATA_XPATH(root):
        value = element.get("content") or element.get("href") or "".join(element.itertext())
        if value.lower().startswith("mailto:"):
            value = mailto_recipients(value)
        found.scan(value, "microdata")


def add_jsonld_text(found: FindingCollector, source: str) -> None:
    """Record the email values of one JSON-LD block."""
    for value in jsonld_emails(source):
        found.scan(value, "jsonld")


def collect_jsonld(root: etree._Element, found: FindingCollector) -> None:
    """Record the email values of every JSON-LD block."""
    for script in root.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if script.text and kind == "application/ld+json":
            add_jsonld_text(found, script.text)


def collect_template(element: etree._Element, found: FindingCollector) -> None:
    """Record addresses in a <template>'s content, read as visible text."""
    if element.getparent() is not None and element.getparent().tag == "template":
        return  # read with the outer template
    copy = deepcopy(element)
    copy.tail = None
    etree.strip_elements(copy, "script", "style", with_tail=False)
    etree.strip_tags(copy, *INLINE_TAGS)
    text = "\n".join(copy.itertext())
    if "@" in text or "(" in text or "[" in text or " " in text:
        collect_text(text, "", found)


def collect_template_source(source: str, found: FindingCollector) -> None:
    """Record addresses in a script template's markup (links and text)."""
    root = parse_html(f"<template>{source[:MAX_TEMPLATE_CHARS]}</template>")
    if root is None:
        return
    for link in root.iter("a", "area"):
        href = (link.get("href") or "").strip()
        if href[:7].lower() == "mailto:":
            found.scan(mailto_recipients(href), "mailto")
    for template in root.iter("template"):
        collect_template(template, found)
        break
