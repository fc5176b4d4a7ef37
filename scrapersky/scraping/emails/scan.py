"""The '@' scanner: every plainly written address in a string, with its position.

Every regex here is anchored on a literal or uses bounded repeats over one character class,
so scanning stays linear in the input size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapersky.scraping.emails.refuse import is_lookalike
from scrapersky.scraping.emails.validate import MAX_DOMAIN_CHARS, normalise_email

# A local part starts where the previous character cannot belong to it; both sides bounded.
CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9._+'-])([A-Za-z0-9._+'-]{1,64})@([\w.-]{1,253})")
# What a backslash escape leaves glued to the local part when a JSON or JS string is read
# raw: \n, \t, \u003e, \x3c. Without the backslash (lost on the way), only the \u00XX
# escapes of characters that commonly precede an address: < > " ' & / space, nbsp.
ESCAPE_AFTER_BACKSLASH_RE = re.compile(r"[ntr](?=.)|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})")
BARE_ESCAPE_RE = re.compile(r"u00(?:3[cCeE]|2[02267fF]|[aA]0)(?=.)")
WINDOW_BEFORE_CHARS = 66
WINDOW_AFTER_CHARS = 256
URL_TOKEN_BOUNDARY = " \t\r\n\"'<>()[]{},;|\\`"
MAX_TOKEN_LOOKBACK_CHARS = 200


def scan_text(text: str) -> Iterator[tuple[str, int]]:
    """Yield (address, position) for every valid address written plainly in text.

    An '@' right before the local part makes a Fediverse handle (@jane@mastodon.social),
    not an address; URL userinfo, query values and git remotes are not addresses either.
    """
    for low, high in at_windows(text):
        for match in CANDIDATE_RE.finditer(text, low, high):
            start = match.start()
            if (start and text[start - 1] == "@") or len(match.group(2)) >= MAX_DOMAIN_CHARS:
                continue
            if is_url_part(text, start, match.end()):
                continue
            local = strip_escape(match.group(1), text[start - 1:start] == "\\")
            email = normalise_email(local, match.group(2))
            if email and not is_lookalike(*email.rsplit("@", 1)):
                yield email, start


def strip_escape(local: str, after_backslash: bool) -> str:
    """Return a local part without the string escape glued to its start.

    An escaped letter or digit (an accented letter written as a \\u escape) belongs to the
    local part, which then is no ASCII address: '' refuses it.
    """
    escape = (ESCAPE_AFTER_BACKSLASH_RE if after_backslash else BARE_ESCAPE_RE).match(local)
    if escape is None:
        return local
    code = (escape.group(1) or escape.group(2)) if after_backslash else None
    if code and chr(int(code, 16)).isalnum():
        return ""
    return local[escape.end():]


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
