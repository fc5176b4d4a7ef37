"""mailto: links (RFC 6068): every recipient of the path and the to, cc and bcc fields.

Only the path and the ``to``, ``cc`` and ``bcc`` header fields name recipients; an address
in ``subject`` or ``body`` is text the sender may edit, not a published address. Parts are
percent-decoded (UTF-8, else Latin-1; a second pass when ``%25`` shows double encoding), so
``%40``, ``%2C`` separators and display names (``Jane%20%3Cjane@...%3E``) all resolve.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.scan import scan_text

SCHEME = "mailto:"
SCHEMES_RE = re.compile(r"\s*(?:(?i:mailto):\s*)*")  # "Mailto:mailto:" from careless CMS input
RECIPIENT_FIELDS = ("to", "cc", "bcc")
# A mailto: target written inside script code or a form action ends at a quote or markup.
SCRIPT_MAILTO_RE = re.compile(r"(?i:mailto):([^'\"<>\s\\`)]{3,1000})")


def mailto_recipients(href: str) -> str:
    """Return the decoded recipients (path, to, cc, bcc) of a mailto: URL, comma-joined."""
    path, _, query = _strip_scheme(href).partition("?")
    recipients = [_decode(path)]
    for pair in query.replace("&amp;", "&").split("&"):
        key, _, value = pair.partition("=")
        if _decode(key).strip().lower() in RECIPIENT_FIELDS:
            recipients.append(_decode(value))
    return ", ".join(recipient for recipient in recipients if recipient)


def _strip_scheme(href: str) -> str:
    """Return href after its (possibly repeated) mailto: scheme and any '//' authority mark."""
    return href[SCHEMES_RE.match(href).end():].lstrip("/")


def _decode(part: str) -> str:
    """Percent-decode one URL part: UTF-8 first, Latin-1 when UTF-8 fails, twice if %25."""
    if "%" not in part:
        return part
    decoded = unquote(part)
    if "\ufffd" in decoded:
        decoded = unquote(part, encoding="latin-1")
    if "%25" in part and "%" in decoded:
        decoded = unquote(decoded)
    return decoded


def add_mailto(found: FindingCollector, href: str, anchor_text: str) -> None:
    """Record every recipient of a mailto: href, with the link's text as context."""
    recipients = mailto_recipients(href)
    context = " ".join(f"{recipients} {anchor_text}".split())
    for email, _ in scan_text(recipients):
        found.add(email, "mailto", context)


def add_script_mailtos(found: FindingCollector, code: str, context: str) -> None:
    """Record the recipients of every mailto: target written in script code or a form action."""
    for match in SCRIPT_MAILTO_RE.finditer(code):
        add_mailto(found, SCHEME + match.group(1), context)
