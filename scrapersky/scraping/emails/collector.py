"""The per-page collector: one finding per address, the best-ranked method, its context.

At ``findings()`` time it refuses what only the page as a whole can tell apart: sample
identities not on the site's own domain, Fediverse handles (a known server, or a profile
link to host/@user on the page), and addresses shown only as examples or other identities
(every occurrence marked by ``refuse.context_mark``; the weak mark of "such as" counts only
off the site's own domain). Structured methods (mailto, cfemail, JSON-LD, microdata)
state intent, so their occurrences are never read as examples.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapersky.scraping.emails.classify import classify_email, is_same_site
from scrapersky.scraping.emails.model import METHOD_RANK, Finding, Link
from scrapersky.scraping.emails.refuse import (
    PLAIN,
    STRONG,
    WEAK,
    context_mark,
    is_fediverse_host,
    is_sample_address,
)
from scrapersky.scraping.emails.scan import scan_text

CONTEXT_CHARS = 80
CONTEXT_PREFERRED = frozenset({"text", "entity", "obfuscated"})
STRUCTURED_METHODS = frozenset({"mailto", "cfemail", "jsonld", "microdata"})


def snippet(text: str, start: int, end: int) -> str:
    """Return the whitespace-collapsed text around text[start:end]."""
    return " ".join(text[max(0, start - CONTEXT_CHARS):end + CONTEXT_CHARS].split())


def text_before(context: str, email: str) -> str:
    """Return the context's text before the address it was cut around ('' if not found)."""
    lowered = context.lower()
    at = lowered.rfind(email, 0, CONTEXT_CHARS + len(email))
    if at < 0:  # an IDN host or a decoded spelling: the local part still shows
        at = lowered.rfind(email.rpartition("@")[0] + "@", 0, CONTEXT_CHARS + len(email))
    return context[:at] if at > 0 else ""


def profile_keys(links: Iterable[Link]) -> set[str]:
    """Return 'host/@user' for every Fediverse-style profile link (https://host/@user)."""
    keys = set()
    for url, _ in links:
        if "/@" in url:
            rest = url.partition("://")[2].split("?", 1)[0].rstrip("/").lower()
            host, _, user = rest.partition("/@")
            if user and "/" not in user:
                keys.add(f"{host.removeprefix('www.')}/@{user}")
    return keys


class FindingCollector:
    """Keep the best-ranked finding per address, in order of first discovery."""

    def __init__(self, site_host: str | None) -> None:
        self.site_host = site_host
        self._best: dict[str, tuple[int, str, str]] = {}
        self._marks: dict[str, int] = {}  # the weakest context mark of any occurrence

    def __contains__(self, email: str) -> bool:
        return email in self._best

    def scan(self, source: str, method: str) -> None:
        """Record every address written plainly in source under method."""
        for email, position in scan_text(source):
            self.add(email, method, snippet(source, position, position + len(email)))

    def add(self, email: str, method: str, context: str) -> None:
        """Record one address unless a better-ranked method already found it."""
        if self._marks.get(email, STRONG) != PLAIN:
            mark = PLAIN if method in STRUCTURED_METHODS else context_mark(
                text_before(context, email)
            )
            self._marks[email] = min(self._marks.get(email, STRONG), mark)
        rank = METHOD_RANK[method]
        best = self._best.get(email)
        if best is None or rank < best[0]:
            self._best[email] = (rank, method, context)

    def findings(self, visible_text: str = "", links: Iterable[Link] = ()) -> list[Finding]:
        """Return the findings, with context taken from visible text where possible."""
        lowered = ""
        profiles: set[str] | None = None
        result = []
        for email, (_, method, context) in self._best.items():
            if self._is_refused(email):
                continue
            if method not in STRUCTURED_METHODS:
                profiles = profile_keys(links) if profiles is None else profiles
                local, _, host = email.rpartition("@")
                if f"{host}/@{local}" in profiles:
                    continue
            if visible_text and method not in CONTEXT_PREFERRED:
                position = visible_text.find(email)
                if position < 0:
                    lowered = lowered or visible_text.lower()
                    position = lowered.find(email)
                if position >= 0:
                    context = snippet(visible_text, position, position + len(email))
            result.append(Finding(email, method, context, classify_email(email, self.site_host)))
        return result

    def _is_refused(self, email: str) -> bool:
        """Tell whether a sample, Fediverse or example-only address is refused on this site."""
        local, _, host = email.rpartition("@")
        own = bool(self.site_host) and is_same_site(host, self.site_host)
        if not own and is_sample_address(local, host):
            return True
        site = (self.site_host or "").lower().removeprefix("www.")
        if host != site and is_fediverse_host(host):
            return True
        mark = self._marks.get(email, PLAIN)
        return mark == STRONG or (mark == WEAK and not own)
