"""Walk one lxml.html tree: links, mailto/cfemail hrefs, attributes, scripts and visible text."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from scrapersky.scraping import emails_text as et
from scrapersky.scraping.emails_model import FindingCollector, Link, snippet

PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
# Inline elements join their neighbours' text; every other element separates it.
INLINE_TAGS = (
    "a", "abbr", "acronym", "b", "bdi", "big", "cite", "code", "data", "del", "dfn", "em",
    "font", "i", "ins", "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "label", "img",
)
UNPUBLISHED_TAGS = ("script", "style", "template")
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")
ABSOLUTE_SCHEMES = ("http://", "https://")
SCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module", "text/ecmascript")
CF_HREF_MARK = "/cdn-cgi/l/email-protection#"
ATTRIBUTE_XPATH = etree.XPath("//@*[contains(., '@')]")
PUBLISHED_ATTRIBUTES = frozenset({"title", "aria-label", "alt"})
CFEMAIL_RE = re.compile(r"data-cfemail=[\"']?([0-9a-fA-F]{4,1000})")
JSON_VALUE_RE = re.compile(r"\"[ \t]{0,2}:[ \t]{0,2}\"(?:mailto:)?\Z")
MICRODATA_MARK_RE = re.compile(r"itemprop=[\"']?email\b")
MICRODATA_XPATH = etree.XPath("//*[@itemprop='email']")
REVERSED_XPATH = etree.XPath("//*[contains(@style, 'rtl')] | //bdo[@dir='rtl']")


def parse_html(html: str) -> etree._Element | None:
    """Parse HTML text with libxml2; None when nothing parses."""
    try:
        return etree.fromstring(html.encode("utf-8", "replace"), PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def collect_links(root: etree._Element, page_url: str, found: FindingCollector) -> list[Link]:
    """Return the page's links; record mailto and Cloudflare-protected hrefs on the way."""
    base = _base_url(root, page_url)
    origin = _origin(base)
    fragment_url = urljoin(base, "#").split("#", 1)[0]  # where every "#..." href leads
    links: list[Link] = []
    for element in root.iter("a", "area", "link"):
        href = element.get("href")
        if href is None:
            continue
        href = href.strip()
        tag = element.tag
        if tag != "link" and "#" not in href and _is_plain_http(href, origin):
            url = href if href[0] != "/" else origin + href  # the common case, no urljoin
        else:
            url = _resolve_href(href, element, base, fragment_url, found)
            if url is None:
                continue
        # Most anchors hold one text node: read it here, without _anchor_text's call.
        text = element.text if tag == "a" and not len(element) else _anchor_text(element, tag)
        links.append(Link(url, " ".join(text.split()) if text else ""))
    return links


def _is_plain_http(href: str, origin: str) -> bool:
    """Tell whether href is absolute http(s) or root-relative without dot segments."""
    if href.startswith(ABSOLUTE_SCHEMES):
        return True
    return bool(origin) and href[:1] == "/" and href[1:2] != "/" and "/." not in href


def _resolve_href(
    href: str, element: etree._Element, base: str, fragment_url: str, found: FindingCollector
) -> str | None:
    """Return the absolute URL of a less common href; None (maybe recording it) if no link."""
    lowered = href[:11].lower()
    if lowered.startswith("mailto:"):
        _add_mailto(found, href, element)
        return None
    if element.tag == "link" or lowered.startswith(SKIPPED_SCHEMES):
        return None
    if CF_HREF_MARK in href:
        _add_cfemail(found, href.split("#", 1)[1])
        return None
    if href[:1] == "#":
        return fragment_url
    if href.startswith(ABSOLUTE_SCHEMES):
        return href.split("#", 1)[0]
    origin = _origin(base)
    if _is_plain_http(href, origin):
        return (origin + href).split("#", 1)[0]
    return urljoin(base, href).split("#", 1)[0]


def _base_url(root: etree._Element, page_url: str) -> str:
    base = root.find(".//base[@href]")
    return urljoin(page_url, base.get("href").strip()) if base is not None else page_url


def _origin(base: str) -> str:
    scheme, sep, rest = base.partition("://")
    return f"{scheme}{sep}{rest.split('/', 1)[0]}" if sep else ""


def _anchor_text(element: etree._Element, tag: str) -> str:
    """Return the text a link shows, not yet whitespace-collapsed."""
    if tag == "area":
        return element.get("alt") or ""
    if len(element):  # one C-level call; same text as "".join(element.itertext())
        return etree.tostring(element, method="text", encoding=str, with_tail=False)
    return element.text or ""


def _add_mailto(found: FindingCollector, href: str, element: etree._Element) -> None:
    recipients = et.mailto_recipients(href)
    context = f"{recipients} {_anchor_text(element, element.tag)}"
    for email, _ in et.scan_text(recipients):
        found.add(email, "mailto", " ".join(context.split()))


def _add_cfemail(found: FindingCollector, hex_text: str) -> None:
    decoded = et.decode_cfemail(hex_text)
    if decoded:
        target = et.mailto_recipients("mailto:" + decoded)
        for email, _ in et.scan_text(target):
            found.add(email, "cfemail", target)


def collect_hidden(root: etree._Element, html: str, found: FindingCollector) -> None:
    """Record addresses from attributes, JSON-LD, microdata, scripts and encoded forms."""
    for value in ATTRIBUTE_XPATH(root):
        if _is_published_attribute(value.attrname, value.getparent().tag):
            found.scan(str(value), "attribute")
    if "data-cfemail" in html:
        for hex_text in CFEMAIL_RE.findall(html):
            _add_cfemail(found, hex_text)
    if "itemprop" in html and MICRODATA_MARK_RE.search(html):
        _collect_microdata(root, found)
    if "bidi-override" in html or next(root.iter("bdo"), None) is not None:
        for element in REVERSED_XPATH(root):
            found.scan("".join(element.itertext())[::-1], "reversed")
    for script in root.iter("script"):
        _collect_script(script, found)
    _collect_encoded(html, found)


def _is_published_attribute(name: str, tag: str) -> bool:
    """Tell whether an attribute may publish an address (not src, href, value, placeholder)."""
    if name.startswith("data-"):
        return "src" not in name
    return name in PUBLISHED_ATTRIBUTES or (name == "content" and tag == "meta")


def _collect_encoded(html: str, found: FindingCollector) -> None:
    for payload in et.typo3_payloads(html):
        found.scan(et.mailto_recipients(payload), "script")
    for payload in et.atob_payloads(html):
        found.scan(payload, "base64")


def _collect_microdata(root: etree._Element, found: FindingCollector) -> None:
    for element in MICRODATA_XPATH(root):
        value = element.get("content") or element.get("href") or "".join(element.itertext())
        if value.lower().startswith("mailto:"):
            value = et.mailto_recipients(value)
        found.scan(value, "microdata")


def _collect_script(script: etree._Element, found: FindingCollector) -> None:
    source = script.text
    if not source:
        return
    kind = (script.get("type") or "").strip().lower()
    if kind == "application/ld+json":
        for value in et.jsonld_emails(source):
            found.scan(value, "jsonld")
    elif kind in SCRIPT_TYPES:
        for literal in et.reversed_literals(source):
            found.scan(literal, "reversed")
        if et.may_hide_at(source):
            _scan_script_code(et.unescape_script(source), found)


def _scan_script_code(code: str, found: FindingCollector) -> None:
    """Record addresses in script code, skipping JSON state values (data, not displayed)."""
    for email, position in et.scan_text(code):
        if not JSON_VALUE_RE.search(code, max(0, position - 40), position):
            found.add(email, "script", snippet(code, position, position + len(email)))


def visible_text(root: etree._Element) -> str:
    """Return the page's visible text: inline elements joined, blocks on their own lines.

    Returns "" when the text cannot yield an address: the run-together text is one C-level
    call, the block-separated text a Python step per element, so it is built only if needed.
    """
    etree.strip_elements(root, *UNPUBLISHED_TAGS, with_tail=False)
    joined = etree.tostring(root, method="text", encoding=str, with_tail=False)
    if not et.may_yield_address(joined):
        return ""
    etree.strip_tags(root, *INLINE_TAGS)
    return "\n".join(root.itertext())


def collect_text(text: str, html: str, found: FindingCollector) -> None:
    """Record addresses in visible text, then in its entity and de-obfuscated readings."""
    entity_encoded = None  # looked up in the HTML only once an address shows up
    lowered_html = ""
    for email, position in et.scan_text(text):
        method = "text"
        if entity_encoded is None:
            entity_encoded = et.has_encoded_at(html)
        if entity_encoded and email not in html:
            lowered_html = lowered_html or html.lower()
            method = "entity" if email not in lowered_html else "text"
        found.add(email, method, snippet(text, position, position + len(email)))
    decoded = et.deobfuscate(text)
    if decoded is not None:
        for email, position in et.scan_text(decoded):
            found.add(email, "obfuscated", snippet(decoded, position, position + len(email)))
