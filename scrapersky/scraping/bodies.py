"""Response bodies: sniffing binary and HTML, and decoding them to the text a person reads.

Order: a BOM wins (WHATWG); bytes that are valid UTF-8 are UTF-8 whatever the labels say
(pure ASCII and UTF-8 pages stop there: one strict decode, no detection); a UTF-8 page with
a few stray bytes keeps its UTF-8 and reads the strays as windows-1252; then a declared
charset (header, <meta>) that decodes cleanly, if only one does; else detection decides.
Labels mean what they mean to browsers (WHATWG: latin-1 and ascii are windows-1252, gb2312
is gb18030, shift_jis is windows-31j); other labels, such as zlib_codec or rot13, are unknown.

Detection is charset-normalizer called directly, not bs4's UnicodeDammit: UnicodeDammit
keeps the first label that decodes without error, before the BOM (latin-1 always decodes),
and decoded 16 of the 22 charset corpus pages exactly against 22 here, at similar cost.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

DETECT_SAMPLE_BYTES = 65_536
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                b"Rar!", b"7z\xbc\xaf", b"\x7fELF", b"MZ", b"RIFF", b"OggS", b"ID3", b"wOF")
TEXT_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
             (codecs.BOM_UTF16_BE, "utf-16-be"))
META_SCAN_BYTES = 4096
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_TAG_RE = re.compile(rb"<[^>]{0,2000}>")
_HIGH_BYTES = bytes(range(0x80, 0x100))
# Western text has a few accented letters; Cyrillic, Greek or CJK text is mostly high bytes.
WESTERN_HIGH_BYTE_RATIO = 0.2
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<a ", b"<div")
# Python codec (canonical name) -> the codec a browser decodes that label with (WHATWG).
_WEB_CODECS = {
    "utf-8": "utf-8", "ascii": "cp1252", "iso8859-1": "cp1252", "cp1252": "cp1252",
    "iso8859-9": "cp1254", "iso8859-11": "cp874", "tis-620": "cp874", "cp874": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs",
    "big5hkscs": "big5hkscs", "cp950": "big5hkscs", "shift_jis": "cp932", "cp932": "cp932",
    "euc_jp": "euc_jp", "iso2022_jp": "iso2022_jp", "euc_kr": "cp949", "cp949": "cp949",
    "utf-16": "utf-16-le", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be",
    "koi8-r": "koi8-r", "koi8-u": "koi8-u", "cp866": "cp866", "mac-roman": "mac-roman",
    "mac-cyrillic": "mac-cyrillic",
    **{f"cp125{n}": f"cp125{n}" for n in (0, 1, 3, 4, 5, 6, 7, 8)},
    **{f"iso8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
}
# WHATWG labels Python does not know ("x-" prefixes are dropped before lookup).
_LABEL_ALIASES = {"windows-874": "cp874", "iso-8859-8-i": "iso8859-8", "windows-31j": "cp932",
                  "unicode-1-1-utf-8": "utf-8", "unicode11utf8": "utf-8",
                  "unicode20utf8": "utf-8", "user-defined": "cp1252"}
_DETECTABLE = sorted(set(_WEB_CODECS.values()) - {"utf-8", "utf-16-le", "utf-16-be"})
# Encodings in which ASCII markup is not ASCII bytes: tried before UTF-8 when declared.
_NOT_ASCII_COMPATIBLE = frozenset({"utf-16-le", "utf-16-be", "iso2022_jp"})
# windows-1252 as browsers decode it: the five bytes it leaves undefined are C1 controls.
_WINDOWS_1252 = "".join(chr(byte) if byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
                        else bytes([byte]).decode("cp1252") for byte in range(256))
STRAY_BYTES_HANDLER = "scrapersky-windows-1252"


def _read_strays_as_windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejected as windows-1252, as a browser would show them."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(_WINDOWS_1252[byte] for byte in bad), error.end


codecs.register_error(STRAY_BYTES_HANDLER, _read_strays_as_windows_1252)


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
    """Decode a body to the text a person reads: BOM, UTF-8, declared charsets, detection."""
    for bom, codec in TEXT_BOMS:
        if body.startswith(bom):
            return decode_as(body[len(bom):], codec)
    declared = _declared_codecs(body, content_type)
    for codec in declared:
        if codec in _NOT_ASCII_COMPATIBLE and (text := _decode_strict(body, codec)) is not None:
            return text
    text = _decode_utf8(body)
    if text is not None:
        return text
    if _is_mostly_utf8(body):
        return body.decode("utf-8", errors=STRAY_BYTES_HANDLER)
    return _decode_legacy(body, [codec for codec in declared if codec != "utf-8"])


def web_codec(label: str | None) -> str | None:
    """Return the Python codec a browser uses for a charset label, or None if it is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label.removeprefix("x-"), label.removeprefix("x-"))
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WEB_CODECS.get(name)


def decode_as(body: bytes, codec: str) -> str:
    """Decode with a web codec, never raising: UTF-8 strays read as windows-1252, else U+FFFD."""
    if codec == "cp1252":
        return codecs.charmap_decode(body, "strict", _WINDOWS_1252)[0]
    if codec == "utf-8":
        return body.decode("utf-8", errors=STRAY_BYTES_HANDLER)
    return body.decode(codec, errors="replace")


def _declared_codecs(body: bytes, content_type: str) -> list[str]:
    """Return the known codecs the header and then the <meta> tag declare, without repeats."""
    header = _HEADER_CHARSET_RE.search(content_type)
    meta = _META_CHARSET_RE.search(body[:META_SCAN_BYTES])
    codecs_found = [web_codec(header and header.group(1))]
    meta_codec = web_codec(meta and meta.group(1).decode("ascii"))
    # WHATWG: a <meta> readable as ASCII cannot be UTF-16; such a label means UTF-8.
    codecs_found.append("utf-8" if meta_codec in ("utf-16-le", "utf-16-be") else meta_codec)
    return list(dict.fromkeys(codec for codec in codecs_found if codec))


def _decode_strict(body: bytes, codec: str) -> str | None:
    """Return the body decoded with codec if every byte fits, else None."""
    if codec in ("utf-16-le", "utf-16-be") and b"\x00" not in body[:META_SCAN_BYTES]:
        return None  # UTF-16 markup is half NULs; without any the label is wrong
    if codec == "cp1252":
        return decode_as(body, codec)
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def _decode_utf8(body: bytes) -> str | None:
    """Return the body as UTF-8 if valid; a character cut by a size limit is dropped."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.end == len(body) and error.start >= len(body) - 3:
            return body[:error.start].decode("utf-8")  # the first error: all before it is valid
        return None


def _is_mostly_utf8(body: bytes) -> bool:
    """Return True if valid multi-byte UTF-8 characters are at least as many as stray bytes."""
    text = body[:DETECT_SAMPLE_BYTES].decode("utf-8", errors="surrogateescape")
    valid = text.encode("utf-8", errors="ignore").decode("utf-8")  # strays were surrogates
    strays = len(text) - len(valid)
    multi_byte = len(valid) - len(valid.encode("ascii", errors="ignore"))
    return multi_byte >= strays


def _decode_legacy(body: bytes, declared: list[str]) -> str:
    """Decode bytes that are not UTF-8: a clean, believable declaration, else detection."""
    fitting = {}
    for codec in declared:
        text = _decode_strict(body, codec)
        if text is not None and (codec != "cp1252" or _is_western(body)):
            fitting[codec] = text
    if len(fitting) == 1:
        return next(iter(fitting.values()))
    return decode_as(body, _detect_codec(body, list(fitting)))


def _is_western(body: bytes) -> bool:
    """Return True if the visible text has as few high bytes as Western text does."""
    visible = _TAG_RE.sub(b" ", body[:DETECT_SAMPLE_BYTES])
    high_bytes = len(visible) - len(visible.translate(None, _HIGH_BYTES))
    return high_bytes < WESTERN_HIGH_BYTE_RATIO * max(len(visible), 1)


def _detect_codec(body: bytes, candidates: list[str]) -> str:
    """Guess the codec from the bytes, among candidates if any; ties go to windows-1252."""
    sample = body[:DETECT_SAMPLE_BYTES]
    cut = sample.rfind(b"<")  # never inside a multi-byte character: "<" is no trail byte
    if len(body) > DETECT_SAMPLE_BYTES and cut > DETECT_SAMPLE_BYTES // 2:
        sample = sample[:cut]
    matches = from_bytes(sample, cp_isolation=candidates or _DETECTABLE)
    best = matches.best()
    if best is None:
        return candidates[0] if candidates else "cp1252"
    # Short Latin text often fits cp1250 or cp1257 as well as it fits windows-1252, the
    # browsers' default; on a tie the default wins (French "cœur" is not "cśur").
    if any("cp1252" in match.could_be_from_charset and match.chaos <= best.chaos
           and match.coherence >= best.coherence for match in matches):
        return "cp1252"
    return web_codec(best.encoding) or "cp1252"
