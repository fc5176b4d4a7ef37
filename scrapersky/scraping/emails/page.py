"""The HTML walk: parse once with libxml2, collect links (and mailto hrefs), build visible text."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree

from scrapersky.scraping.emails.collector import FindingCollector, snippet
from scrapersky.scraping.emails.decode import add_cfemail, has_encoded_at
from scrapersky.scraping.emails.hidden import hidden_piece_fixes
from scrapersky.scraping.emails.mailto import add_mailto, add_script_mailtos
from scrapersky.scraping.emails.model import Link
from scrapersky.scraping.emails.prose import deobfuscate, may_yield_address
from scrapersky.scraping.emails.scan import scan_text

PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
# Inline elements join their neighbours' text; every other element separates it.
INLINE_TAGS = (
    "a", "abbr", "acronym", "b", "bdi", "big", "cite", "code", "data", "del", "dfn", "em",
    "font", "i", "ins", "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "label", "img",
)
INLINE_TAG_SET = frozenset(INLINE_TAGS)
UNPUBLISHED_TAGS = ("script", "style", "template")
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")
ABSOLUTE_SCHEMES = ("http://", "https://")
CF_HREF_MARK = "/cdn-cgi/l/email-protection#"
MAX_MAILTO_CONTEXT_CHARS = 160  # of a link's text, and of the text after it


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
    for element in root.iter("a", "area", "link", "form", "button"):
        href = element.get("href")
        if href is None:
            _add_handler_mailtos(element, found)  # form actions, onclick buttons and anchors
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
        add_mailto(found, href, _mailto_context(element))
        return None
    if element.tag == "link" or lowered.startswith(SKIPPED_SCHEMES):
        if lowered.startswith("javascript:"):
            _add_handler_mailtos(element, found, href)
        return None
    if CF_HREF_MARK in href:
        add_cfemail(found, href.split("#", 1)[1])
        return None
    if href[:1] == "#":
        _add_handler_mailtos(element, found)
        return fragment_url
    if href.startswith(ABSOLUTE_SCHEMES):
        return href.split("#", 1)[0]
    origin = _origin(base)
    if _is_plain_http(href, origin):
        return (origin + href).split("#", 1)[0]
    return urljoin(base, href).split("#", 1)[0]


def _add_handler_mailtos(element: etree._Element, found: FindingCollector, code: str = "") -> None:
    """Record mailto: targets that a javascript: href, an onclick or a form action opens."""
    for value in (code, element.get("onclick"), element.get("action")):
        if value and "mailto:" in value.lower():
            add_script_mailtos(found, value, _mailto_context(element))


def _mailto_context(element: etree._Element) -> str:
    """Return a mailto element's text and the text right after it (where instructions sit)."""
    text = _anchor_text(element, element.tag)[:MAX_MAILTO_CONTEXT_CHARS]
    tail = element.tail
    return f"{text} {tail[:MAX_MAILTO_CONTEXT_CHARS]}" if tail else text


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


def visible_text(root: etree._Element, html: str = "") -> str:
    """Return the page's visible text: inline elements joined, blocks on their own lines.

    Returns "" when the text cannot yield an address: the run-together text is one C-level
    call, the block-separated text a Python step per element, so it is built only if needed.
    Pieces that the page's source hides inside an address (see ``hidden``) are dropped.
    """
    etree.strip_elements(root, *UNPUBLISHED_TAGS, with_tail=False)
    joined = etree.tostring(root, method="text", encoding=str, with_tail=False)
    if not may_yield_address(joined):
        return ""
    etree.strip_tags(root, *INLINE_TAGS)
    text = "\n".join(root.itertext())
    for written, shown in hidden_piece_fixes(html, INLINE_TAG_SET, "@" in joined):
        text = text.replace(written, shown)
    return text


def collect_text(text: str, html: str, found: FindingCollector) -> None:
    """Record addresses in visible text, then in its entity and de-obfuscated readings."""
    entity_encoded = None  # looked up in the HTML only once an address shows up
    lowered_html = ""
    for email, position in scan_text(text):
        method = "text"
        if entity_encoded is None:
            entity_encoded = has_encoded_at(html)
        if entity_encoded and email not in html:
            lowered_html = lowered_html or html.lower()
            method = "entity" if email not in lowered_html else "text"
        found.add(email, method, snippet(text, position, position + len(email)))
    decoded = deobfuscate(text)
    if decoded is not None:
        for email, position in scan_text(decoded):
            found.add(email, "obfuscated", snippet(decoded, position, position + len(email)))
