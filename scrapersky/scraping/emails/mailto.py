"""mailto: links (RFC 6068): every recipient of the path and the to, cc and bcc fields."""

from __future__ import annotations

from urllib.parse import unquote

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.scan import scan_text


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



def add_mailto(found: FindingCollector, href: str, anchor_text: str) -> None:
    """Record every recipient of a mailto: href, with the link's text as context."""
    recipients = mailto_recipients(href)
    context = f"{recipients} {anchor_text}"
    for email, _ in scan_text(recipients):
        found.add(email, "mailto", " ".join(context.split()))
