"""Addresses written in words or look-alike characters: [at], (dot), AT, full-width @."""

from __future__ import annotations

import re

from scrapersky.scraping.emails.scan import at_windows

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

