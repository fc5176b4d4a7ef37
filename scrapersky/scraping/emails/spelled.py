"""Addresses spelled with ordinary words: the rules that tell "jane at acme dot com" from prose.

An ordinary word for '@' ("at", "AT", "chez", "chiocciola", "małpa", "zavináč", "собака")
standing between spaces is read as '@' only when all three hold:

1. Before it stands one token of address characters with a letter (the local part), not a
   sentence word ("us", "more", "available") and not after a determiner ("the team at",
   "more info at").
2. After it stands a domain: labels joined by dots or spelled dots ("dot", "punkt", "[.]",
   "．", "点") that is a valid host as a whole, ending in a public suffix, with no label but
   the last a sentence word.
3. A dot is spelled at least once, or the at-word alone is in capitals ("info AT x.com",
   not a banner "TICKETS AT X.COM"), or the local part is lower-case and opens a field: it
   starts its line, follows ':', '(', '|', a dash or a label such as "E-mail", or holds an
   inner '.' or '_' between letters ("j.doe at x.com").

The domain rules hold after any '@' too (written or decoded), and for every domain: no web
address goes on after it ('/', '?', ':'); a spaced dot word (or " . ") is prose when the
label after it is a capitalised word ("acme . Tel") or a word of the dot word's own language
followed by more words ("point de vente", "punto de venta"); a spelled dot never extends a
host already complete ("info@acme.com · tel"). A local part grows over tokens joined by
spelled dots ("jane dot doe at ...") but never over a sentence word.

So "jane at acme dot com", "E-mail: jane at acme.com" and "info@acme punkt de" are
addresses, while "meet us at the harbour dot five", "we are at booth 12", "Look at our
site.com", "Tickets at acme.com", "Learn more at npr dot org" and "the team at acme dot com"
are not.
"""

from __future__ import annotations

import re

from scrapersky.scraping.emails.validate import normalise_email, to_ascii_domain
from scrapersky.scraping.emails.words import (
    BRACKETED_ONLY_DOT_WORDS,
    CJK_DOT_WORDS,
    DETERMINERS,
    DOT_LOOKALIKES,
    DOT_WORDS,
    FIELD_LABELS,
    FIELD_OPENERS,
    PROSE_AFTER_DOT_WORD,
    SENTENCE_WORDS,
    alternation,
)

OPEN = "[\\[({<\uff08\u3010\uff3b]"  # ( [ { < and full-width （ 【 ［
CLOSE = "[\\])}>\uff09\u3011\uff3d]"
LABEL = "[A-Za-z0-9\u00c0-\u024f-]{1,63}"
# The spellings of '.' a local part may hold too ("jane dot doe", "taro．yamada").
WORD_SEP = (
    r"[ \t]{1,3}(?i:" + alternation(DOT_WORDS) + r")[ \t]{1,3}"
    r"|[ \t]{0,3}" + OPEN + r"[ \t]{0,2}(?:\.|\uff0e|(?i:"
    + alternation(DOT_WORDS + BRACKETED_ONLY_DOT_WORDS + CJK_DOT_WORDS) + r"))[ \t]{0,2}"
    + CLOSE + r"[ \t]{0,3}"
    r"|[ \t]{0,3}(?:" + alternation(CJK_DOT_WORDS) + r")[ \t]{0,3}"
    r"|[_#*](?i:dot)[_#*]|\uff0e"
)
# Every spelling of '.' between two labels but the plain one; a spaced '.' and the other
# look-alikes only in a domain, since footers separate words with them ("Berlin . info").
SPELLED_SEP = WORD_SEP + r"|[ \t]{1,3}\.[ \t]{1,3}|[" + DOT_LOOKALIKES + "]"
SEP = r"(?:\.|" + SPELLED_SEP + ")"
DOMAIN = LABEL + r"(?:" + SEP + LABEL + r"){1,5}"
# A domain after an at-word (also the cheap test that an at-word may start an address).
DOMAIN_AFTER_WORD_RE = re.compile(r"[ \t]{0,2}(" + DOMAIN + ")")
# An '@' whose domain spells a dot somewhere; the match ends where the first one starts.
SPELLED_HOST_RE = re.compile(r"@(?:" + LABEL + r"\.){0,5}" + LABEL + r"(?=" + SPELLED_SEP + ")")
DOMAIN_RE = re.compile(DOMAIN)
SEP_SPLIT_RE = re.compile(r"(" + SEP + ")")
LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+'-"
URL_CHARS = "/\\=&?%#@~"
MAX_LOCAL_CHARS = 64
MAX_SPACES = 3
FIELD_LOOKBACK_CHARS = 200
INNER_MARK_RE = re.compile(r"[a-z][._][a-z]")
URL_TAIL_CHARS = "/:?#=&@"
# A token and a spelled dot just before a local part: the "jane dot " of "jane dot doe at".
LOCAL_TOKEN_BEFORE_RE = re.compile(r"(?<![\w.+'-])([A-Za-z0-9_+'-]{1,64})(?:" + WORD_SEP + r")\Z")
MAX_LOCAL_DOTS = 3
DOT_WORD_SET = frozenset(DOT_WORDS)


def read_spelled_at(text: str, hint: int, word: str) -> tuple[int, int, str] | None:
    """Return (start, end, address) of the address whose '@' is word at text[hint], or None."""
    local_start = _local_start(text, hint)
    domain = DOMAIN_AFTER_WORD_RE.match(text, hint + len(word))
    if local_start is None or domain is None:
        return None
    token = text[local_start:hint].rstrip(" \t")
    labels, separators = split_domain(domain.group(1))
    if not _is_local_part(token) or not _is_domain(labels, separators, text, domain.end()):
        return None
    local_start, local = _with_spelled_dots(text, local_start, token)
    if _follows_determiner(text, local_start):
        return None
    spelled = local != token or any(separator != "." for separator in separators)
    shouted = word.isupper() and not local.isupper()  # "info AT acme.com", not a caps banner
    if not (spelled or shouted or _opens_field(text, local_start, local)):
        return None
    host = ".".join(labels)
    return (local_start, domain.end(), f"{local}@{host}") if _is_exact(local, host) else None


def read_spelled_local(text: str, end: int) -> tuple[int, str] | None:
    """Return (start, local part) if the local part ending at text[end] spells a dot."""
    start = _local_start(text, end)
    if start is None:
        return None
    token = text[start:end]
    start, local = _with_spelled_dots(text, start, token)
    return (start, local) if local != token else None


def read_spelled_host(text: str, start: int) -> tuple[int, str] | None:
    """Return (end, host) of the domain with spelled dots at text[start] (after '@'), or None."""
    domain = DOMAIN_RE.match(text, start)
    if domain is None:
        return None
    labels, separators = split_domain(domain.group())
    first = next((index for index, sep in enumerate(separators) if sep != "."), None)
    if first is None:
        return None
    if first and _is_exact("x", ".".join(labels[:first + 1])):
        return None  # the written host was already complete before its first spelled dot
    if not _is_domain(labels, separators, text, domain.end()):
        return None
    host = ".".join(labels)
    return (domain.end(), host) if _is_exact("x", host) else None


def split_domain(domain: str) -> tuple[list[str], list[str]]:
    """Return a spelled domain's labels and separators, stripped but for spaced dots (" . ")."""
    parts = SEP_SPLIT_RE.split(domain)
    separators = [part.strip(" \t") for part in parts[1::2]]
    return parts[::2], [" . " if sep == "." != raw else sep
                        for sep, raw in zip(separators, parts[1::2], strict=True)]


def _with_spelled_dots(text: str, start: int, local: str) -> tuple[int, str]:
    """Return the local part at text[start] grown over tokens joined by spelled dots."""
    for _ in range(MAX_LOCAL_DOTS):
        match = LOCAL_TOKEN_BEFORE_RE.search(text, max(0, start - MAX_LOCAL_CHARS - 20), start)
        if match is None or match.group(1).lower() in SENTENCE_WORDS:
            break
        start, local = match.start(), f"{match.group(1)}.{local}"
    return start, local


def _local_start(text: str, end: int) -> int | None:
    """Return where the token ending at text[end] (but for a few spaces) starts, or None."""
    low = max(0, end - MAX_LOCAL_CHARS - MAX_SPACES - 1)
    window = text[low:end]
    body = window.rstrip(" \t")
    if len(window) - len(body) >= MAX_SPACES:
        return None
    head = body.rstrip(LOCAL_CHARS)
    if len(body) == len(head) or (not head and low > 0):
        return None
    if head and (head[-1] in URL_CHARS or head[-1].isalnum()):
        return None  # inside a URL, or the tail of a word with letters beyond ASCII
    return low + len(head)


def _is_local_part(token: str) -> bool:
    """Tell whether a token before an at-word reads as a local part, not a sentence word."""
    return token.lower().strip("._+'-") not in SENTENCE_WORDS and any(
        char.isalpha() for char in token
    )


def _follows_determiner(text: str, start: int) -> bool:
    """Tell whether the word before text[start] makes it part of a noun phrase ("the team")."""
    before = text[max(0, start - 20):start].rsplit(None, 1)
    return bool(before) and before[-1].lower().strip("\"'(") in DETERMINERS


def _is_domain(labels: list[str], separators: list[str], text: str, end: int) -> bool:
    """Tell whether spelled labels read as a domain, not as the words of a sentence."""
    if any(label.lower() in SENTENCE_WORDS for label in labels[:-1]):
        return False
    if text[end:end + 1] and text[end] in URL_TAIL_CHARS:
        return False  # a web address goes on ("v2.0 at github.com/acme")
    if "\u00b7" in separators and any(
        sep == "\u00b7" and labels[index][-1:] == labels[index + 1][:1] == "l"
        for index, sep in enumerate(separators)
    ):
        return False  # the l·l inside a Catalan word, not a dot
    return not _ends_in_prose(labels[-1], separators[-1], text[end:end + 4])


def _ends_in_prose(last: str, separator: str, after: str) -> bool:
    """Tell whether a spaced dot word and the label after it start the next words instead.

    Either the label is a capitalised word ("acme . Tel", "acme dot Next") or it is a word of
    the dot word's own language and more words follow ("point de vente", "punto de venta").
    """
    word = separator.strip().lower()
    if separator != " . " and word not in DOT_WORD_SET:
        return False
    if len(last) > 2 and last[0].isupper() and last[1:].islower():
        return True
    return last.lower() in PROSE_AFTER_DOT_WORD.get(word, ()) and bool(
        re.match(r"[ \t]{1,3}\w", after)
    )


def _opens_field(text: str, start: int, local: str) -> bool:
    """Tell whether a lower-case local part starts a field (line, label, ':') or looks coded."""
    if not local.islower():
        return False
    if INNER_MARK_RE.search(local) and local[-1].isalnum():
        return True
    low = max(0, start - FIELD_LOOKBACK_CHARS)
    line_start = text.rfind("\n", low, start) + 1 or low
    prefix = text[line_start:start].strip()
    if not prefix:
        return line_start > low or low == 0
    if prefix[-1] in FIELD_OPENERS:
        return True
    return prefix.rsplit(None, 1)[-1].lower().rstrip(":") in FIELD_LABELS


def _is_exact(local: str, host: str) -> bool:
    """Tell whether local@host is a valid address as written (no label trimmed off)."""
    email = normalise_email(local, host)
    return email is not None and email.rpartition("@")[2] == to_ascii_domain(host)
