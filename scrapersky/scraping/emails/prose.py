"""Addresses written in words or look-alike characters: [at], (dot), AT, ＠, jane at acme dot com.

Two passes, each only at the spots a cheap substring search finds first, so ordinary text
pays one find per hint and little more:

1. '@': a bracketed word for '@' in any listed language ("[at]", "(arobase)", "{klammeraffe}",
   "(małpa)", "【アット】", "(a)"), a word never used in prose between spaces ("arroba",
   "arobase", " @ "), the Japanese and Chinese words (アット, あっと, 艾特), "#at#", "*at*",
   "_at_" and the look-alikes ＠ ﹫ Ⓐ ⓐ become '@'. Ordinary words for '@' between spaces
   ("at", "AT", "chez", "chiocciola", "małpa", "snabel-a", "krøllalfa", "zavináč",
   "собака") become '@' only under the rules of spelled.py, which rewrite the whole address
   at once; all but "at" and "AT" are looked for only on pages holding a letter of their
   language (words.SPACED_AT_PROBES), and only where a domain follows them.
2. '.': bracketed dot words around each decoded '@' become '.', and every domain after an
   '@' that spells a dot ("acme dot com", "acme punkt de", "acme．co．jp", "acme点com") is
   rewritten with dots under the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import islice

from scrapersky.scraping.emails.scan import at_windows
from scrapersky.scraping.emails.spelled import (
    CLOSE,
    DOMAIN_AFTER_WORD_RE,
    OPEN,
    SPELLED_HOST_RE,
    read_spelled_at,
    read_spelled_host,
    read_spelled_local,
)
from scrapersky.scraping.emails.words import (
    AT_LOOKALIKES,
    BARE_AT_WORDS,
    BRACKETED_AT_WORDS,
    BRACKETED_ONLY_DOT_WORDS,
    CJK_AT_PROBES,
    CJK_AT_WORDS,
    CJK_DOT_WORDS,
    DOT_WORDS,
    SPACED_AT_PROBES,
    SPACED_AT_WORDS,
    alternation,
)

Edit = tuple[int, int, str]

AT_TOKEN_RE = re.compile(
    r"[ \t]{0,3}(?:" + OPEN + r"[ \t]{0,2}(?i:" + alternation(BRACKETED_AT_WORDS) + r")[ \t]{0,2}"
    + CLOSE + r"|[\[(]a[\])]|(?<=\s)(?:@|(?i:" + alternation(BARE_AT_WORDS) + r"))(?=\s)"
    r"|" + alternation(CJK_AT_WORDS) + r"|(?<=[A-Za-z0-9])[_#*](?i:at)[_#*](?=[A-Za-z0-9]))"
    r"[ \t]{0,3}"
)
DOT_TOKEN_RE = re.compile(
    r"[ \t]{0,2}(?:" + OPEN + r"[ \t]{0,2}(?:\.|(?i:"
    + alternation(DOT_WORDS + BRACKETED_ONLY_DOT_WORDS + CJK_DOT_WORDS) + r"))[ \t]{0,2}"
    + CLOSE + r"|(?<=\s)DOT(?=\s)|(?<=[A-Za-z0-9])[_#*](?i:dot)[_#*](?=[A-Za-z0-9]))[ \t]{0,2}"
)
MAX_HINTS = 10_000
MAX_READS = 1_000  # addresses read word by word per text; a real page spells a few dozen
HINT_PAD_CHARS = 24
# (closer, characters that end a word for '@' before it, whether "t ]" may stand for "t]").
_WORD_ENDS = "".join(sorted({word[-1] for word in BRACKETED_AT_WORDS} | {"T"}))
BRACKET_HINTS = (
    ("]", _WORD_ENDS, True), (")", _WORD_ENDS, True), ("}", _WORD_ENDS, True),
    (">", _WORD_ENDS, False), ("\uff09", _WORD_ENDS, False), ("\u3011", _WORD_ENDS, False),
    ("\uff3d", _WORD_ENDS, False), ("#", "tT", False), ("*", "tT", False), ("_", "tT", False),
)
SIGN_HINT = " @ "  # found through the rare '@' itself, far faster than a search for " @ "
WORD_HINTS = ("roba",)  # in arroba and arobase
# Cheap substring tests that every spelling AT_TOKEN_RE decodes contains, bar the CJK words
# and the look-alikes of '@' (which deobfuscate turns into '@' before it looks for hints).
OBFUSCATION_HINTS = tuple(
    [end + closer for closer, ends, _ in BRACKET_HINTS for end in ends]
    + [end + " " + closer for closer, ends, spaced in BRACKET_HINTS if spaced for end in ends]
    + [SIGN_HINT, *WORD_HINTS]
)
LOOKALIKE_AT = str.maketrans({char: "@" for char in AT_LOOKALIKES})


def deobfuscate(text: str) -> str | None:
    """Return text with words and look-alikes for '@' and '.' decoded, or None if none."""
    original = text
    if any(char in text for char in AT_LOOKALIKES):
        text = text.translate(LOOKALIKE_AT)
    edits = _at_edits(text)
    if edits:
        text = _apply(text, edits)
        text = _sub_in_spans(text, list(at_windows(text)), DOT_TOKEN_RE.sub, ".")
    text = _apply(text, list(_spelled_host_edits(text)))
    return None if text == original else text


def may_yield_address(text: str) -> bool:
    """Tell whether text, also with line breaks inserted anywhere, can yield an address.

    False means scan_text and deobfuscate find nothing in text, nor in any string made by
    inserting line breaks into it (the block-separated text of the same nodes): such breaks
    add no '@' and no hint, a token read as '@' that they bound leaves an '@' beside a line
    break, which no address can hold, and a word for '@' with the domain that makes it a
    hint lies within one line, so within text too.
    """
    if "@" in text or any(char in text for char in AT_LOOKALIKES):
        return True
    starts = _hint_starts(text, with_sign=False) + _cjk_starts(text)
    if len(starts) >= MAX_HINTS:  # deobfuscate would look at some of them only
        return True
    if any(AT_TOKEN_RE.search(text, low, high) for low, high in _merge_spans(starts)):
        return True
    return bool(_spaced_at_hints(text))


def _at_edits(text: str) -> list[Edit]:
    """Return the '@' pass's edits: tokens read as '@' and addresses spelled in words."""
    edits: list[Edit] = []
    for low, high in _merge_spans(_hint_starts(text) + _cjk_starts(text)):
        for match in AT_TOKEN_RE.finditer(text, low, high):
            local = read_spelled_local(text, match.start()) if len(edits) < MAX_READS else None
            if local is None:
                edits.append((match.start(), match.end(), "@"))
            else:
                edits.append((local[0], match.end(), local[1] + "@"))
    for hint, word in _spaced_at_hints(text):
        spelled = read_spelled_at(text, hint, word)
        if spelled is not None:
            edits.append(spelled)
    return _without_overlaps(edits)


def _spelled_host_edits(text: str) -> Iterable[Edit]:
    """Yield edits rewriting each domain after an '@' whose dots are spelled."""
    if "@" not in text:
        return
    for match in islice(SPELLED_HOST_RE.finditer(text), MAX_READS):
        host = read_spelled_host(text, match.start() + 1)
        if host is not None:
            yield match.start() + 1, host[0], host[1]


def _spaced_at_hints(text: str) -> list[tuple[int, str]]:
    """Return (position, word) of ordinary at-words that a domain follows."""
    words = list(SPACED_AT_WORDS)
    for probes, probed in SPACED_AT_PROBES:
        if any(probe in text for probe in probes):
            words.extend(probed)
    hints = []
    for word in words:
        for at in _find_all(text, word):
            if DOMAIN_AFTER_WORD_RE.match(text, at + len(word)):
                hints.append((at, word))
    return hints[:MAX_READS]


def _cjk_starts(text: str) -> list[int]:
    """Return where Japanese and Chinese words for '@' start, probing one character first."""
    starts: list[int] = []
    for probe, words in CJK_AT_PROBES:
        if probe in text:
            for word in words:
                starts.extend(_find_all(text, word))
    return starts


def _find_all(text: str, needle: str) -> list[int]:
    """Return every start of needle in text (at most about MAX_HINTS)."""
    found = []
    at = text.find(needle)
    while at >= 0 and len(found) < MAX_HINTS:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


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


def _hint_starts(text: str, with_sign: bool = True) -> list[int]:
    """Return where each OBFUSCATION_HINTS occurrence starts (at most about MAX_HINTS)."""
    starts = []
    if with_sign:
        starts.extend(at - 1 for at in _find_all(text, "@") if text[at - 1:at + 2] == SIGN_HINT)
    for bracket, before, spaced in BRACKET_HINTS:
        at = text.find(bracket, 1)
        while at > 0 and len(starts) < MAX_HINTS:
            previous = text[at - 1]
            if previous in before:
                starts.append(at - 1)
            elif spaced and previous == " " and at > 1 and text[at - 2] in before:
                starts.append(at - 2)
            at = text.find(bracket, at + 1)
    for hint in WORD_HINTS:
        starts.extend(_find_all(text, hint))
    return starts


def _without_overlaps(edits: list[Edit]) -> list[Edit]:
    """Return edits sorted by start, dropping any that overlaps an earlier one."""
    kept: list[Edit] = []
    for edit in sorted(edits):
        if not kept or edit[0] >= kept[-1][1]:
            kept.append(edit)
    return kept


def _apply(text: str, edits: list[Edit]) -> str:
    """Return text with each (start, end, replacement) edit applied; edits must not overlap."""
    if not edits:
        return text
    pieces, last = [], 0
    for start, end, replacement in edits:
        pieces.append(text[last:start])
        pieces.append(replacement)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _sub_in_spans(
    text: str, spans: list[tuple[int, int]], sub: Callable[[str, str], str], replacement: str
) -> str:
    """Return text with sub(replacement, segment) applied to each span's segment."""
    pieces, last = [], 0
    for low, high in spans:
        pieces.append(text[last:low])
        pieces.append(sub(replacement, text[low:high]))
        last = high
    pieces.append(text[last:])
    return "".join(pieces)
