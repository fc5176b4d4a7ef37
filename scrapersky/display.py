"""Formatting for the dashboard's templates: times, durations, progress, highlighted context."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from scrapersky.models import TaskStatus
from scrapersky.models.clock import as_utc, utcnow
from scrapersky.scraping.emails import display_email


def format_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Return a stored timestamp in UTC, or an empty string."""
    return as_utc(value).strftime(fmt) if value else ""


def format_duration(started: datetime | None, finished: datetime | None,
                    now: datetime | None = None) -> str:
    """Return how long a job ran (so far, while it runs) as "1 h 02 min", "3 min 05 s"."""
    if started is None:
        return ""
    seconds = max(int(((as_utc(finished) or now or utcnow()) - as_utc(started)).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def page_progress(status: str, pages_scanned: int | None, budget: int) -> tuple[int, int]:
    """Return (pages done, page budget) of a job; a completed job's bar is full."""
    done = int(pages_scanned or 0)
    total = max(budget, done, 1)
    if status == TaskStatus.COMPLETE.value:
        return total, total
    return done, total


def highlight_parts(context: str | None, email: str) -> tuple[str, str, str] | None:
    """Split a context around the address it mentions: (before, address, after), or None
    when the address does not appear in it literally."""
    if not context:
        return None
    for needle in dict.fromkeys((email, display_email(email))):
        found = re.search(re.escape(needle), context, re.IGNORECASE)
        if found:
            return context[:found.start()], found.group(), context[found.end():]
    return None


def url_path(url: str | None) -> str:
    """Return the path and query of a URL, for a short link text."""
    if not url:
        return ""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def is_web_link(url: str | None) -> bool:
    """Return whether a scraped URL may be rendered as a link (http or https only)."""
    return bool(url) and url.lower().startswith(("http://", "https://"))
