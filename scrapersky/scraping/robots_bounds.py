"""What of a robots.txt protego is given to read: a bounded number of rules per user agent,
each pattern bounded, user agents named by their product token."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# Matching a URL costs about rules × wildcards; these bound it (a hostile robots.txt of
# 10,000 wildcard rules cost 35 s of CPU for one page of 2,000 links). Rules past the count
# are not read; a longer or wilder Disallow is cut (so it disallows more), such an Allow is
# dropped (so it allows less).
MAX_RULES_PER_AGENT = 500  # Allow and Disallow lines of one user agent, in file order
MAX_RULE_CHARS = 300
MAX_WILDCARDS_PER_RULE = 8
# The directives protego reads (with the misspellings it forgives).
_USER_AGENT_FIELDS = frozenset({"user-agent", "useragent", "user agent"})
_RULE_FIELDS = frozenset({"allow", "disallow", "dissallow", "dissalow", "disalow", "diasllow",
                          "disallaw"})
_SITE_WIDE_FIELDS = frozenset({"sitemap", "sitemaps", "site-map", "host"})
_KNOWN_FIELDS = _USER_AGENT_FIELDS | _RULE_FIELDS | _SITE_WIDE_FIELDS | {
    "crawl-delay", "crawl delay", "request-rate", "request rate", "visit-time", "visit time"}
_PRODUCT_TOKEN_RE = re.compile(r"[A-Za-z_-]+")


def product_token(user_agent: str) -> str:
    """Return the product token of a user agent: "ScraperSkyEmailScanner/0.1 (+...)" is
    ScraperSkyEmailScanner (RFC 9309 2.2.1); "*" and the like stay as they are."""
    match = _PRODUCT_TOKEN_RE.match(user_agent.strip())
    return match.group() if match else user_agent.strip()


def bound_rules(text: str) -> str:
    """Return robots.txt text with at most MAX_RULES_PER_AGENT rules per user agent, each
    pattern bounded, and each User-agent line reduced to its product token."""
    bounds = _RuleBounds()
    lines = [bounds.line(line) for line in text.splitlines()]
    if bounds.dropped or bounds.cut:
        logger.info("robots.txt bounded: %d rules not read, %d patterns cut", bounds.dropped,
                    bounds.cut)
    return "\n".join(lines)


def _directive(line: str) -> tuple[str, str] | None:
    """Split a line (comment removed) into (field, value) as protego does, or None."""
    if not line:
        return None
    head, colon, raw = line.partition(":")
    name = head.strip().lower()
    if colon and (name in _KNOWN_FIELDS or not raw or raw[0].isspace()):
        return name, raw.strip()
    words = line.split()
    for count in (1, 2):  # "Disallow /x", "User agent foo"
        candidate = " ".join(words[:count]).lower()
        if candidate in _KNOWN_FIELDS:
            return candidate, " ".join(words[count:])
    return (name, raw.strip()) if colon else None


def _bounded_pattern(name: str, pattern: str) -> str | None:
    """Return a rule's pattern within the bounds: a Disallow cut, an Allow dropped (None)."""
    if len(pattern) <= MAX_RULE_CHARS and pattern.count("*") <= MAX_WILDCARDS_PER_RULE:
        return pattern
    if name == "allow":
        return None
    return "*".join(pattern[:MAX_RULE_CHARS].split("*")[:MAX_WILDCARDS_PER_RULE + 1])


class _RuleBounds:
    """Follows robots.txt groups as protego does, counting the rules of each user agent."""

    def __init__(self) -> None:
        self.agents: list[str] = []
        self.previous: str | None = None  # the last field that was not site-wide
        self.counts: dict[str, int] = {}
        self.dropped = 0
        self.cut = 0

    def line(self, line: str) -> str:
        """Return the line as protego should read it."""
        directive = _directive(line.split("#", 1)[0].strip())
        if directive is None:
            return line
        name, value = directive
        if name in _USER_AGENT_FIELDS:
            return self._user_agent(line, value)
        if name not in _SITE_WIDE_FIELDS:
            self.previous = name
        if name not in _RULE_FIELDS or not value or not self.agents:
            return line
        return self._rule(name, value)

    def _user_agent(self, line: str, value: str) -> str:
        if self.previous is not None and self.previous not in _USER_AGENT_FIELDS:
            self.agents = []  # a User-agent line after rules starts a new group
        self.previous = "user-agent"
        if not value:
            return line
        token = product_token(value).lower()
        # protego files "*bot" under "*bot" and "bot" both
        self.agents.extend({token, token.replace("*", "") or token})
        return f"User-agent: {token}"

    def _rule(self, name: str, value: str) -> str:
        # A dropped rule stays an empty one, so the groups protego sees do not change.
        if any(self.counts.get(agent, 0) >= MAX_RULES_PER_AGENT for agent in self.agents):
            self.dropped += 1
            return f"{name}:"
        pattern = _bounded_pattern(name, value)
        if pattern is None:
            self.dropped += 1
            return f"{name}:"
        self.cut += pattern != value
        for agent in set(self.agents):
            self.counts[agent] = self.counts.get(agent, 0) + 1
        return f"{name}: {pattern}"
