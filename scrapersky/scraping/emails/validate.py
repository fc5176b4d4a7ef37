"""Address syntax and host validity, and the public-suffix lookups; pure functions, no I/O.

A host is valid when its labels are well formed and its last label is an existing top-level
domain. The public-suffix list groups hosts into registrable domains but never rejects one:
under a wildcard rule (``*.sch.uk``, ``*.np``, ``*.kawasaki.jp``) a school's or a council's
own domain is itself a public suffix, and its addresses are real.
"""

from __future__ import annotations

import re
from functools import lru_cache

import idna
import tldextract

MAX_LOCAL_CHARS = 64
MAX_DOMAIN_CHARS = 253
MAX_LABEL_CHARS = 63

_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_LOCAL_STRIP = ".'+-_"


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """Build the public-suffix extractor once, from the bundled snapshot (no network)."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=1)
def top_level_domains() -> frozenset[str]:
    """Return the ASCII (IDNA) form of every ICANN top-level domain in the bundled list."""
    # Without private domains, the list's rules are the ICANN section only.
    labels = {rule.rsplit(".", 1)[-1].lstrip("*!") for rule in _extractor().tlds}
    return frozenset(filter(None, map(to_ascii_domain, labels)))


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """Return the registrable domain (e.g. acme.co.uk) of an ASCII host, or ''.

    A host that is itself a public suffix (a wildcard rule's child, like school.sch.uk) is
    its own registrable domain: nobody else can register below it on its behalf.
    """
    host = host.lower().strip(".")
    parts = _extractor()(host)
    if not parts.suffix:
        return ""
    return f"{parts.domain}.{parts.suffix}" if parts.domain else host


def to_ascii_domain(domain: str) -> str | None:
    """Return the lower-case ASCII (IDNA) form of a domain, or None if it has none."""
    domain = domain.lower()
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def display_email(email: str) -> str:
    """Return an address with its domain in Unicode form, for people to read."""
    local, _, domain = email.rpartition("@")
    if "xn--" not in domain:
        return email
    try:
        return f"{local}@{idna.decode(domain)}"
    except (idna.IDNAError, UnicodeError, ValueError):
        return email


def normalise_email(local: str, domain: str) -> str | None:
    """Return the canonical form of a syntactically valid candidate address, or None.

    Syntax only: whether a valid address is a look-alike (asset, DSN, sample) is
    ``refuse.is_lookalike``'s call.
    """
    local = local.strip(_LOCAL_STRIP)
    if not local or len(local) > MAX_LOCAL_CHARS or ".." in local:
        return None
    host = _trim_domain(domain)
    if host is None:
        return None
    return f"{local.lower()}@{host}"


def _trim_domain(domain: str) -> str | None:
    """Return the valid ASCII host at the start of a raw domain match, or None."""
    domain = domain.split("_", 1)[0].rstrip(".-")
    if domain[:1] in ("", ".", "-"):
        return None
    labels = domain.split(".")
    if len(labels) > 2 and labels[-1][:1].isupper() and domain[:-len(labels[-1])].islower():
        labels.pop()  # a capitalised word glued after a sentence-ending dot
    while len(labels) >= 2:
        host = to_ascii_domain(".".join(labels).strip("-"))
        if host and is_valid_host(host):
            return host
        labels.pop()
    return None


def is_valid_host(host: str) -> bool:
    """Tell whether an ASCII host is well formed and ends in an existing top-level domain."""
    if len(host) > MAX_DOMAIN_CHARS:
        return False
    labels = host.split(".")
    if len(labels) < 2 or labels[-1] not in top_level_domains():
        return False
    return all(len(label) <= MAX_LABEL_CHARS and _LABEL_RE.match(label) for label in labels)
