"""Find addresses in plain strings: the '@' scanner, de-obfuscation and hidden-form decoders.

Every regex here is anchored on a literal or uses bounded repeats over one character class,
so scanning stays linear in the input size.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import json
import re
from collections.abc import Iterator
from urllib.parse import unquote

from scrapersky.scraping.emails_validate import MAX_DOMAIN_CHARS, normalise_email

# A local part starts where the previous character cannot belong to it; both sides bounded.
CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9._+'-])([A-Za-z0-9._+'-]{1,64})@([\w.-]{1,253})")
WINDOW_BEFORE_CHARS = 66
WINDOW_AFTER_CHARS = 256
URL_TOKEN_BOUNDARY = " \t\r\n\"'<>()[]{},;|\\`"
MAX_TOKEN_LOOKBACK_CHARS = 200

_AT_WORDS = r"(?i:at|@|arroba|chez|ät|klammeraffe)"
_DOT_WORDS = r"(?i:dot|punkt|point|punto|ponto|pkt|period|full ?stop)"
AT_TOKEN_RE = re.compile(
    r"[ \t]{0,3}(?:[\[({<][ \t]{0,2}" + _AT_WORDS + r"[ \t]{0,2}[\])}>]"
    r"|(?<=\s)(?:AT|(?i:arroba)|@)(?=\s))[ \t]{0,3}"
)
DOT_TOKEN_RE = re.compile(
    r"[ \t]{0,2}(?:[\[({<][ \t]{0,2}" + _DOT_WORDS + r"[ \t]{0,2}[\])}>]"
    r"|(?<=\s)DOT(?=\s))[ \t]{0,2}"
)
# After a de-obfuscated '@' only, bare words may stand for dots: "info@acme dot com".
BARE_DOTS_RE = re.compile(
    r"@([\w-]{1,63})((?:[ \t]{1,3}(?i:dot|punkt|point|punto|\.)[ \t]{1,3}[\w-]{1,63}){1,4})"
)
BARE_DOT_WORD_RE = re.compile(r"[ \t]{1,3}(?i:dot|punkt|point|punto|\.)[ \t]{1,3}")
MAX_HINTS = 10_000
HINT_PAD_CHARS = 24
# Cheap substring tests that every spelling AT_TOKEN_RE decodes contains.
OBFUSCATION_HINTS = (
    "t]", "t)", "T]", "T)", "t }", "t}", "t>", "t ]", "t )", " AT ", " @ ", "arroba", "chez",
    "\uff20", "\ufe6b", "e]", "e)", "@]", "@)",
)
# The same hints grouped by their closing bracket, found with one memchr-speed find per
# bracket instead of one slow two-character search per hint: (bracket, chars before it,
# whether "t " may precede it).
BRACKET_HINTS = (("]", "tTe@", True), (")", "tTe@", True), ("}", "t", True), (">", "t", False))
WORD_HINTS = (" AT ", " @ ", "arroba", "chez", "\uff20", "\ufe6b")
WORD_HINTS_WITHOUT_AT = (" AT ", "arroba", "chez")
FULL_WIDTH = str.maketrans({"\uff20": "@", "\ufe6b": "@", "\uff0e": ".", "\u3002": "."})
ENTITY_AT_RE = re.compile(r"&(?:#0{0,4}64|#[xX]0{0,4}40|commat);?")

JS_ESCAPE_RE = re.compile(r"\\u\{?([0-9a-fA-F]{4})\}?|\\x([0-9a-fA-F]{2})|\\([/@.\-])")
JS_CONCAT_RE = re.compile(r"(['\"`])[ \t]{0,8}\+[ \t\r\n]{0,8}\1")
JS_REVERSED_RE = re.compile(
    r"(['\"])([^'\"\\\n]{5,254})\1[ \t]{0,4}\.split\([ \t]{0,4}(['\"])\3[ \t]{0,4}\)"
    r"[ \t]{0,4}\.reverse\("
)
ATOB_RE = re.compile(r"atob\([ \t]{0,4}(['\"])([A-Za-z0-9+/=_-]{8,4000})\1")
TYPO3_RE = re.compile(r"linkTo_UnCryptMailto\([ \t]{0,4}(?:%27|['\"])([^'\"%]{4,500})")
JSONLD_EMAIL_RE = re.compile(r"\"email\"[ \t]{0,4}:[ \t]{0,4}\"([^\"]{3,320})\"")
MAX_JSON_NODES = 5000


def scan_text(text: str) -> Iterator[tuple[str, int]]:
    """Yield (address, position) for every valid address written plainly in text."""
    for low, high in at_windows(text):
        for match in CANDIDATE_RE.finditer(text, low, high):
            if len(match.group(2)) >= MAX_DOMAIN_CHARS or is_url_part(
                text, match.start(), match.end()
            ):
                continue
            email = normalise_email(match.group(1), match.group(2))
            if email:
                yield email, match.start()


def at_windows(text: str) -> Iterator[tuple[int, int]]:
    """Yield merged (start, end) spans around each '@' wide enough for any address."""
    at = text.find("@")
    while at >= 0:
        low, high = max(0, at - WINDOW_BEFORE_CHARS), at + WINDOW_AFTER_CHARS
        at = text.find("@", at + 1)
        while 0 <= at < high:
            high = at + WINDOW_AFTER_CHARS
            at = text.find("@", at + 1)
        yield low, min(high, len(text))


def is_url_part(text: str, start: int, end: int) -> bool:
    """Tell whether the match at text[start:end] is URL userinfo, a query value or a git remote."""
    low = max(0, start - MAX_TOKEN_LOOKBACK_CHARS)
    token_start = start
    while token_start > low and text[token_start - 1] not in URL_TOKEN_BOUNDARY:
        token_start -= 1
    token = text[token_start:start]
    if "://" in token or token.endswith(("/", "%")) or ("?" in token and "=" in token):
        return True
    return text[end:end + 1] == ":" and text[end + 1:end + 2] not in ("", " ", "\n", "\t")


def deobfuscate(text: str) -> str | None:
    """Return text with [at]/(dot)-style and full-width spellings decoded, or None if none."""
    spans = _hint_spans(text)
    if not spans:
        return None
    original = text
    if "\uff20" in text or "\ufe6b" in text:
        text = text.translate(FULL_WIDTH)
    changed = _sub_in_spans(text, spans, _decode_at_tokens)
    if changed == original:
        return None
    return _sub_in_spans(changed, list(at_windows(changed)), _decode_dot_tokens)


def may_yield_address(text: str) -> bool:
    """Tell whether text, also with line breaks inserted anywhere, can yield an address.

    False means scan_text and deobfuscate find nothing in text, nor in any string made by
    inserting line breaks into it (the block-separated text of the same nodes): such breaks
    add no '@' and no hint, and an AT token they bound leaves an '@' beside a line break,
    which no address can hold.
    """
    if "@" in text or "\uff20" in text or "\ufe6b" in text:
        return True
    starts = _hint_starts(text, WORD_HINTS_WITHOUT_AT)  # the '@' hints are known absent
    if len(starts) >= MAX_HINTS:  # deobfuscate would look at some of them only
        return True
    return any(AT_TOKEN_RE.search(text, low, high) for low, high in _merge_spans(starts))


def _hint_spans(text: str) -> list[tuple[int, int]]:
    """Return merged spans around every obfuscation hint; regexes then run only there."""
    return _merge_spans(_hint_starts(text))


def _merge_spans(starts: list[int]) -> list[tuple[int, int]]:
    """Return the merged spans of HINT_PAD_CHARS around each hint start."""
    spans: list[tuple[int, int]] = []
    for at in sorted(starts):
        low, high = max(0, at - HINT_PAD_CHARS), at + HINT_PAD_CHARS
        if spans and low <= spans[-1][1]:
            spans[-1] = (spans[-1][0], high)
        else:
            spans.append((low, high))
    return spans


def _hint_starts(text: str, words: tuple[str, ...] = WORD_HINTS) -> list[int]:
    """Return where each OBFUSCATION_HINTS occurrence starts (at most about MAX_HINTS)."""
    starts = []
    for bracket, before, spaced in BRACKET_HINTS:
        at = text.find(bracket, 1)
        while at > 0 and len(starts) < MAX_HINTS:
            previous = text[at - 1]
            if previous in before:
                starts.append(at - 1)
            elif spaced and previous == " " and text[at - 2:at - 1] == "t":
                starts.append(at - 2)
            at = text.find(bracket, at + 1)
    for hint in words:
        at = text.find(hint)
        while at >= 0 and len(starts) < MAX_HINTS:
            starts.append(at)
            at = text.find(hint, at + 1)
    return starts


def _sub_in_spans(text: str, spans: list[tuple[int, int]], decode) -> str:
    pieces, last = [], 0
    for low, high in spans:
        pieces.append(text[last:low])
        pieces.append(decode(text[low:high]))
        last = high
    pieces.append(text[last:])
    return "".join(pieces)


def _decode_at_tokens(segment: str) -> str:
    return AT_TOKEN_RE.sub("@", segment)


def _decode_dot_tokens(segment: str) -> str:
    return BARE_DOTS_RE.sub(_join_bare_dots, DOT_TOKEN_RE.sub(".", segment))


def _join_bare_dots(match: re.Match[str]) -> str:
    return "@" + match.group(1) + BARE_DOT_WORD_RE.sub(".", match.group(2))


def has_encoded_at(source: str) -> bool:
    """Tell whether HTML source spells an '@' as a character reference."""
    return ENTITY_AT_RE.search(source) is not None


def may_hide_at(source: str) -> bool:
    """Tell whether unescape_script(source) can contain an '@' at all."""
    # Only \u and \x escapes decode to any character; the other escapes, string
    # concatenation and entities need a literal '@', '&#' or '&commat' to yield an '@'.
    return (
        "@" in source or "&#" in source or "&commat" in source
        or "\\u" in source or "\\x" in source
    )


def unescape_script(source: str) -> str:
    """Undo JavaScript escapes, string concatenation and entities that hide addresses."""
    if "\\" in source:
        source = JS_ESCAPE_RE.sub(_js_char, source)
    if "+" in source and ("&#" in source or "'@'" in source or '"@"' in source):
        source = JS_CONCAT_RE.sub("", source)
    if "&#" in source or "&commat;" in source:
        source = html_lib.unescape(source)
    return source


def _js_char(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else match.group(3)


def reversed_literals(script: str) -> Iterator[str]:
    """Yield string literals that a script reverses with split('').reverse()."""
    if ".reverse(" in script:
        for match in JS_REVERSED_RE.finditer(script):
            yield match.group(2)[::-1]


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


def mailto_recipients(href: str) -> str:
    """Return the decoded recipients (path, to, cc, bcc) of a mailto: URL, comma-joined."""
    body = href.strip()[7:]
    path, _, query = body.partition("?")
    recipients = [unquote(path)]
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key.strip().lower() in ("to", "cc", "bcc"):
            recipients.append(unquote(value))
    return ", ".join(recipients)


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
