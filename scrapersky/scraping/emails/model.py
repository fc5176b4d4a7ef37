"""Result types of email extraction: findings, links, a page's analysis, the method names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# Lower rank wins when one address is found several ways on a page.
METHODS = (
    "mailto", "cfemail", "jsonld", "text", "entity", "obfuscated", "microdata",
    "attribute", "script", "base64", "reversed",
)
METHOD_RANK = {method: rank for rank, method in enumerate(METHODS)}


@dataclass(frozen=True)
class Finding:
    """One address found on a page, with how and where it was found."""

    email: str
    method: str
    context: str
    email_type: str


class Link(NamedTuple):
    """A link on a page: absolute URL without fragment, and its anchor text."""

    # A named tuple, not a frozen dataclass: a page has thousands of links and a frozen
    # dataclass takes about twice as long to build.
    url: str
    text: str


@dataclass
class PageAnalysis:
    """What one parse of a page yields: its findings and its links."""

    findings: list[Finding] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
