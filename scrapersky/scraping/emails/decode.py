"""Decoders of encoded or split addresses: entities, cfemail, TYPO3, ROT13, base64, data-*.

One regex pass over the page source finds the marked attributes; each tag found is read
whole (its attributes, entity-decoded), so the pass costs about one substring search:

- ``data-cfemail``: Cloudflare's XOR-hex email protection.
- ``data-enc-email``: WordPress Email Encoder Bundle, ROT13 with ``[at]`` for '@'.
- ``data-mailto-token`` with ``data-mailto-vector``: TYPO3's shift cipher, as TYPO3 11+
  writes it (older TYPO3 writes ``javascript:linkTo_UnCryptMailto('...')``).
- ``data-domain``, ``data-website`` or ``data-host`` beside ``data-user``, ``data-name``
  (only with ``data-tld``), ``data-username``, ``data-local``, ``data-mailbox`` or
  ``data-account``, optionally with ``data-tld``: an address a CSS ``attr()`` template or a
  click handler joins; read reversed when only that makes it an address (the
  bidi-override trick writes both parts backwards).

Also ``atob('...')`` literals anywhere in the source and Joomla 4's
``<joomla-hidden-mail first= last= text=>`` (base64 halves, found by the script walk).
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import re
from collections.abc import Iterator, Mapping
from urllib.parse import unquote

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.jsvalues import rot13
from scrapersky.scraping.emails.mailto import mailto_recipients
from scrapersky.scraping.emails.scan import scan_text

ENTITY_AT_RE = re.compile(r"&(?:#0{0,4}64|#[xX]0{0,4}40|commat);?")
ATOB_RE = re.compile(r"atob\([ \t]{0,4}(['\"])([A-Za-z0-9+/=_-]{8,4000})\1")
TYPO3_RE = re.compile(r"linkTo_UnCryptMailto\([ \t]{0,4}(?:%27|['\"])([^'\"%]{4,500})")
MARKED_ATTRIBUTE_RE = re.compile(r"data-(cfemail|enc-email|mailto-token|domain|website|host)=")
ATTRIBUTE_RE = re.compile(
    r"([\w:.-]{1,64})\s*=\s*(?:\"([^\"]{0,4000})\"|'([^']{0,4000})'|([^\s\"'>]{1,4000}))"
)
MAX_TAG_CHARS = 8000
MAX_MARKED_TAGS = 500
LOCAL_ATTRIBUTES = (
    "data-user", "data-username", "data-local", "data-mailbox", "data-account", "data-name",
)
DOMAIN_ATTRIBUTES = ("data-domain", "data-website", "data-host")
TLD_ATTRIBUTES = ("data-tld", "data-ext", "data-suffix")


def has_encoded_at(source: str) -> bool:
    """Tell whether HTML source spells an '@' as a character reference."""
    return ENTITY_AT_RE.search(source) is not None


def atob_payloads(source: str) -> Iterator[str]:
    """Yield the decoded text of every atob('...') literal in source."""
    if "atob(" not in source:
        return
    for match in ATOB_RE.finditer(source):
        decoded = decode_base64(match.group(2))
        if decoded:
            yield decoded


def decode_base64(data: str | None) -> str | None:
    """Return base64 data (either alphabet, padding optional) as UTF-8 text, or None."""
    if not data:
        return None
    data = "".join(data.split()).rstrip("=")
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4), altchars=b"-_")
    except (binascii.Error, ValueError):
        return None
    return raw.decode("utf-8", "replace")


def decode_cfemail(hex_text: str) -> str | None:
    """Decode Cloudflare's XOR-hex email protection; None when it is not valid."""
    try:
        data = bytes.fromhex(hex_text.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    return unquote(bytes(byte ^ key for byte in data[1:]).decode("utf-8", "replace"))


def typo3_payloads(source: str) -> Iterator[str]:
    """Yield mailto targets hidden by TYPO3's linkTo_UnCryptMailto shift cipher."""
    if "UnCryptMailto" not in source:
        return
    for match in TYPO3_RE.finditer(source):
        plain = decrypt_typo3(match.group(1).replace("\\/", "/"))
        if plain:
            yield plain


def decrypt_typo3(cipher: str, vector: int | None = None) -> str | None:
    """Return the mailto: URL a TYPO3 cipher hides (its vector first, then every shift)."""
    offsets = [-vector] if vector else []
    for offset in [*offsets, *range(-1, -27, -1)]:
        plain = _typo3_shift(cipher, offset)
        if plain.lower().startswith("mailto:"):
            return plain
    return None


def _typo3_shift(cipher: str, offset: int) -> str:
    out = []
    for char in cipher:
        code = ord(char)
        for start, end in ((0x2B, 0x3A), (0x40, 0x5A), (0x61, 0x7A)):
            if start <= code <= end:
                code = start + (code - start + offset) % (end - start + 1)
                break
        out.append(chr(code))
    return "".join(out)


def add_cfemail(found: FindingCollector, hex_text: str) -> None:
    """Record the address a Cloudflare-protected href or span hides."""
    decoded = decode_cfemail(hex_text)
    if decoded:
        target = mailto_recipients("mailto:" + decoded)
        for email, _ in scan_text(target):
            found.add(email, "cfemail", target)


def add_hidden_mail(found: FindingCollector, attributes: Mapping[str, str]) -> None:
    """Record the address of Joomla's <joomla-hidden-mail> (base64 halves and text)."""
    first, last = decode_base64(attributes.get("first")), decode_base64(attributes.get("last"))
    if first and last:
        found.scan(f"{first}@{last}", "base64")
    text = decode_base64(attributes.get("text"))
    if text:
        found.scan(text, "base64")


def collect_encoded(html: str, found: FindingCollector) -> None:
    """Record addresses hidden by marked attributes, TYPO3's cipher or atob() in the source."""
    starts: set[int] = set()
    for match in MARKED_ATTRIBUTE_RE.finditer(html):
        start = html.rfind("<", max(0, match.start() - MAX_TAG_CHARS), match.start())
        if start >= 0 and start not in starts and len(starts) < MAX_MARKED_TAGS:
            starts.add(start)
            _add_marked(found, match.group(1), tag_attributes(html, start))
    for payload in typo3_payloads(html):
        found.scan(mailto_recipients(payload), "script")
    for payload in atob_payloads(html):
        found.scan(payload, "base64")


def tag_attributes(html: str, start: int) -> dict[str, str]:
    """Return the entity-decoded attributes of the tag that opens at start."""
    end = html.find(">", start, start + MAX_TAG_CHARS)
    text = html[start:end if end >= 0 else start + MAX_TAG_CHARS]
    attributes = {}
    for name, double, single, bare in ATTRIBUTE_RE.findall(text):
        value = double or single or bare
        attributes.setdefault(name.lower(), html_lib.unescape(value) if "&" in value else value)
    return attributes


def _add_marked(found: FindingCollector, marker: str, attributes: dict[str, str]) -> None:
    """Decode one marked tag's address."""
    if marker == "cfemail":
        add_cfemail(found, attributes.get("data-cfemail", ""))
    elif marker == "enc-email":
        found.scan(rot13(attributes.get("data-enc-email", "").replace("[at]", "@")), "attribute")
    elif marker == "mailto-token":
        vector = attributes.get("data-mailto-vector", "")
        plain = decrypt_typo3(
            attributes.get("data-mailto-token", ""), int(vector) if vector.isdigit() else None
        )
        if plain:
            found.scan(mailto_recipients(plain), "script")
    else:
        _add_split_address(found, attributes)


def _add_split_address(found: FindingCollector, attributes: dict[str, str]) -> None:
    """Record the address a tag's user and domain attributes (and maybe a TLD) make."""
    local = next((attributes[name] for name in LOCAL_ATTRIBUTES if name in attributes), "")
    domain = next((attributes[name] for name in DOMAIN_ATTRIBUTES if name in attributes), "")
    tld = next((attributes[name] for name in TLD_ATTRIBUTES if name in attributes), "")
    if not local or not domain or ("data-name" in attributes and not tld and local == (
        attributes["data-name"]
    )):
        return
    forward = f"{local}@{domain}" + (f".{tld}" if tld else "")
    if next(scan_text(forward), None) is not None:
        found.scan(forward, "attribute")
    else:
        backward = f"{local[::-1]}@{domain[::-1]}" + (f".{tld[::-1]}" if tld else "")
        found.scan(backward, "reversed")
