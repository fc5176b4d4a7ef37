"""The per-page collector: one finding per address, the best-ranked method, its context."""

from __future__ import annotations

from scrapersky.scraping.emails.model import METHOD_RANK, Finding
from scrapersky.scraping.emails.scan import scan_text
from scrapersky.scraping.emails.validate import classify_email

CONTEXT_CHARS = 80
CONTEXT_PREFERRED = frozenset({"text", "entity", "obfuscated"})


def snippet(text: str, start: int, end: int) -> str:
    """Return the whitespace-collapsed text around text[start:end]."""
    return " ".join(text[max(0, start - CONTEXT_CHARS):end + CONTEXT_CHARS].split())


class FindingCollector:
    """Keep the best-ranked finding per address, in order of first discovery."""

    def __init__(self, site_host: str | None) -> None:
        self.site_host = site_host
        self._best: dict[str, tuple[int, str, str]] = {}

    def __contains__(self, email: str) -> bool:
        return email in self._best

    def scan(self, source: str, method: str) -> None:
        """Record every address written plainly in source under method."""
        for email, position in scan_text(source):
            self.add(email, method, snippet(source, position, position + len(email)))

    def add(self, email: str, method: str, context: str) -> None:
        """Record one address unless a better-ranked method already found it."""
        rank = METHOD_RANK[method]
        best = self._best.get(email)
        if best is None or rank < best[0]:
            self._best[email] = (rank, method, context)

    def findings(self, visible_text: str = "") -> list[Finding]:
        """Return the findings, with context taken from visible text where possible."""
        lowered = ""
        result = []
        for email, (_, method, context) in self._best.items():
            if visible_text and method not in CONTEXT_PREFERRED:
                position = visible_text.find(email)
                if position < 0:
                    lowered = lowered or visible_text.lower()
                    position = lowered.find(email)
                if position >= 0:
                    context = snippet(visible_text, position, position + len(email))
            result.append(Finding(email, method, context, classify_email(email, self.site_host)))
        return result
