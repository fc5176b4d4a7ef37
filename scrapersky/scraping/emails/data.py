"""Structured data that publishes addresses: attributes, microdata and JSON-LD."""

from __future__ import annotations

import html as html_lib
import json
import re

from lxml import etree

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.mailto import mailto_recipients

ATTRIBUTE_XPATH = etree.XPath("//@*[contains(., '@')]")
PUBLISHED_ATTRIBUTES = frozenset({"title", "aria-label", "alt"})
MICRODATA_MARK_RE = re.compile(r"itemprop=[\"']?email\b")
MICRODATA_XPATH = etree.XPath("//*[@itemprop='email']")
JSONLD_EMAIL_RE = re.compile(r"\"email\"[ \t]{0,4}:[ \t]{0,4}\"([^\"]{3,320})\"")
MAX_JSON_NODES = 5000


def jsonld_emails(source: str) -> list[str]:
    """Return the values of every "email" key in a JSON-LD block (any nesting)."""
    try:
        data = json.loads(source, strict=False)
    except ValueError:
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
    """Record addresses in attributes a page publishes (title, alt, data-*, meta content)."""
    for value in ATTRIBUTE_XPATH(root):
        if _is_published_attribute(value.attrname, value.getparent().tag):
            found.scan(str(value), "attribute")


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


def collect_jsonld(root: etree._Element, found: FindingCollector) -> None:
    """Record the email values of every JSON-LD block."""
    for script in root.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if script.text and kind == "application/ld+json":
            for value in jsonld_emails(script.text):
                found.scan(value, "jsonld")
