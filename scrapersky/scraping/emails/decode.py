"""Decoders of encoded addresses: entities, Cloudflare's cfemail, TYPO3's cipher, base64."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from urllib.parse import unquote

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.mailto import mailto_recipients
from scrapersky.scraping.emails.scan import scan_text

ENTITY_AT_RE = re.compile(r"&(?:#0{0,4}64|#[xX]0{0,4}40|commat);?")
ATOB_RE = re.compile(r"atob\([ \t]{0,4}(['\"])([A-Za-z0-9+/=_-]{8,4000})\1")
CFEMAIL_RE = re.compile(r"data-cfemail=[\"']?([0-9a-fA-F]{4,1000})")
TYPO3_RE = re.compile(r"linkTo_UnCryptMailto\([ \t]{0,4}(?:%27|['\"])([^'\"%]{4,500})")


def has_encoded_at(source: str) -> bool:
    """Tell whether HTML source spells an '@' as a character reference."""
    return ENTITY_AT_RE.search(source) is not None


def atob_payloads(source: str) -> Iterator[str]:
    """Yield the decoded text of every atob('...') literal in source."""
    if "atob(" not in source:
        return
    for match in ATOB_RE.finditer(source):
        data = match.group(2).rstrip("=")
        try:
            raw = base64.b64decode(data + "=" * (-len(data) % 4), altchars=b"-_")
        except (binascii.Error, ValueError):
            continue
        yield raw.decode("utf-8", "replace")


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
        cipher = match.group(1).replace("\\/", "/")
        for offset in range(1, 27):
            plain = _typo3_shift(cipher, -offset)
            if plain.lower().startswith("mailto:"):
                yield plain
                break


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


def collect_encoded(html: str, found: FindingCollector) -> None:
    """Record addresses hidden by Cloudflare, TYPO3's cipher or atob() in the page source."""
    if "data-cfemail" in html:
        for hex_text in CFEMAIL_RE.findall(html):
            add_cfemail(found, hex_text)
    for payload in typo3_payloads(html):
        found.scan(mailto_recipients(payload), "script")
    for payload in atob_payloads(html):
        found.scan(payload, "base64")
