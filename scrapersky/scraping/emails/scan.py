"""The '@' scanner: every plainly written address in a string, with its position.

Every regex here is anchored on a literal or uses bounded repeats over one character class,
so scanning stays linear in the input size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapersky.scraping.emails.validate import MAX_DOMAIN_CHARS, normalise_email

# A local part starts where the previous character cannot belong to it; both sides bounded.
CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9._+'-])([A-Za-z0-9._+'-]{1,64})@([\w.-]{1,253})")
WINDOW_BEFORE_CHARS = 66
WINDOW_AFTER_CHARS = 256
URL_TOKEN_BOUNDARY = " \t\r\n\"'<>()[]{},;|\\`"
MAX_TOKEN_LOOKBACK_CHARS = 200


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

