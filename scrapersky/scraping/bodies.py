"""Response bodies: sniffing binary and HTML, and decoding with the right charset."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

DETECT_SAMPLE_BYTES = 65_536
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                b"Rar!", b"7z\xbc\xaf", b"\x7fELF", b"MZ", b"RIFF", b"OggS", b"ID3", b"wOF")
TEXT_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
             (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_TAG_RE = re.compile(rb"<[^>]{0,2000}>")
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
# Western text has a few accented letters; Cyrillic, Greek or CJK text is mostly high bytes.
WESTERN_HIGH_BYTE_RATIO = 0.2
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<a ", b"<div")
# WHATWG: labels that browsers decode as windows-1252.
_CP1252_LABELS = frozenset({"iso-8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"})


def looks_binary(head: bytes) -> bool:
    """Return True if the first bytes of a body are a known binary format or contain NULs."""
    if head.startswith(tuple(bom for bom, _ in TEXT_BOMS)):
        return False
    return head.startswith(BINARY_MAGIC) or b"\x00" in head


def looks_like_html(head: bytes) -> bool:
    """Return True if the first bytes of an untyped body look like HTML."""
    lowered = head.lower()
    return any(marker in lowered for marker in _HTML_MARKERS)


def decode_body(body: bytes, content_type: str) -> str:
    """Decode a body: BOM, then the header charset, then <meta charset>, then detection."""
    for bom, encoding in TEXT_BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
    meta = _META_CHARSET_RE.search(body[:4096])
    for label in (match and match.group(1), meta and meta.group(1).decode("ascii")):
        encoding = _known_encoding(label)
        if encoding:
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return body.decode(_detect_encoding(body[:DETECT_SAMPLE_BYTES]), errors="replace")


def _detect_encoding(sample: bytes) -> str:
    """Guess a legacy encoding; mostly-ASCII text with a few accents is windows-1252."""
    visible = _TAG_RE.sub(b" ", sample)
    high_bytes = len(_HIGH_BYTE_RE.findall(visible))
    if high_bytes < WESTERN_HIGH_BYTE_RATIO * max(len(visible), 1):
        return "cp1252"
    best = from_bytes(sample).best()
    return best.encoding if best else "cp1252"


def _known_encoding(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _CP1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None
