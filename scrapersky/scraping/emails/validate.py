"""Normalise, validate and classify email address candidates; pure functions, no I/O."""

from __future__ import annotations

import re
from functools import lru_cache

import idna
import tldextract

MAX_LOCAL_CHARS = 64
MAX_DOMAIN_CHARS = 253
MAX_LABEL_CHARS = 63

_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_SCALE_RE = re.compile(r"\d{1,2}(?:\.\d{1,2})?x(?:[.-]|\Z)")
_HEX_RE = re.compile(r"[0-9a-f]{24,64}\Z")
_LOCAL_STRIP = ".'+-_"

RESERVED_SUFFIXES = ("test", "invalid", "local", "localhost", "example", "internal", "lan")
PLACEHOLDER_DOMAINS = frozenset({
    "example.com", "example.org", "example.net", "example.edu", "example.de",
    "domain.com", "domain.tld", "email.com", "company.com", "website.com", "site.com",
    "mysite.com", "mydomain.com", "mycompany.com", "sample.com", "test.com", "test.de",
    "beispiel.de", "musterfirma.de", "mustermann.de", "muster.de", "ejemplo.com",
    "exemple.com", "exemple.fr", "esempio.it", "address.com", "foo.com", "bar.com",
    "host.com", "server.com", "email.de", "mail.example",
})
PLACEHOLDER_DOMAIN_PREFIXES = ("your", "example", "placeholder", "dummy")
PLACEHOLDER_LOCALS = frozenset({
    "you", "your", "yourname", "your.name", "your-name", "your_name", "youremail",
    "your.email", "your-email", "your_email", "name", "firstname", "lastname",
    "firstname.lastname", "first.last", "first_last", "firstnamelastname", "fname.lname",
    "vorname.nachname", "vorname", "nachname", "max.mustermann", "maxmustermann",
    "john.doe", "jane.doe", "johndoe", "janedoe", "user", "username", "youraddress",
    "someone", "somebody", "noreply", "no-reply", "donotreply", "do-not-reply",
    "prenom.nom", "xxx",
})
ASSET_EXTENSIONS = frozenset({
    "png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "ico", "bmp", "tif", "tiff",
    "css", "js", "mjs", "map", "json", "xml", "txt", "pdf", "mp4", "mp3", "webm",
    "woff", "woff2", "ttf", "eot", "otf", "zip", "gz", "mov", "php", "html", "htm",
})
TELEMETRY_LABELS = frozenset({"sentry", "sentry-cdn", "ingest", "bugsnag", "rollbar"})

SERVICE_LOCAL_PARTS = frozenset({
    "info", "contact", "contacts", "sales", "support", "office", "hello", "hallo", "hi",
    "press", "presse", "pressestelle", "news", "newsroom", "jobs", "job", "kontakt",
    "mail", "email", "team", "admin", "administrator", "billing", "invoice", "invoices",
    "accounts", "accounting", "hr", "careers", "career", "karriere", "bewerbung",
    "enquiries", "enquiry", "inquiries", "inquiry", "marketing", "media", "help",
    "helpdesk", "service", "services", "customerservice", "kundenservice", "webmaster",
    "postmaster", "hostmaster", "abuse", "security", "privacy", "datenschutz", "legal",
    "redaktion", "editor", "editors", "editorial", "newsdesk", "feedback", "booking",
    "bookings", "reservations", "reservierung", "events", "orders", "order", "shop",
    "store", "partners", "partner", "membership", "members", "verwaltung", "sekretariat",
    "buero", "general", "reception", "welcome", "mailbox", "post", "kanzlei",
    "ventas", "contacto", "informacion", "bonjour", "contatti", "ufficio",
})
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "outlook.de", "hotmail.com",
    "hotmail.de", "hotmail.co.uk", "hotmail.fr", "live.com", "live.de", "live.co.uk",
    "msn.com", "yahoo.com", "yahoo.de", "yahoo.co.uk", "yahoo.fr", "yahoo.es",
    "yahoo.co.jp", "ymail.com", "rocketmail.com", "aol.com", "aol.de", "web.de",
    "t-online.de", "freenet.de", "arcor.de", "posteo.de", "mailbox.org", "icloud.com",
    "me.com", "mac.com", "proton.me", "protonmail.com", "protonmail.ch", "pm.me",
    "yandex.com", "yandex.ru", "ya.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru",
    "zoho.com", "zohomail.com", "mail.com", "email.com", "gmx.com", "gmx.net", "gmx.de",
    "gmx.at", "gmx.ch", "tutanota.com", "tuta.io", "fastmail.com", "hushmail.com",
    "qq.com", "163.com", "126.com", "naver.com", "daum.net", "libero.it", "orange.fr",
    "wanadoo.fr", "laposte.net", "free.fr", "sfr.fr", "seznam.cz", "wp.pl", "o2.pl",
    "interia.pl", "bluewin.ch", "rediffmail.com", "btinternet.com", "comcast.net",
    "verizon.net", "att.net", "sbcglobal.net",
})
FREE_MAIL_PREFIXES = ("gmx.", "yahoo.", "hotmail.", "outlook.", "live.")


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """Build the public-suffix extractor once, from the bundled snapshot (no network)."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """Return the registrable domain (e.g. acme.co.uk) of an ASCII host, or ''."""
    parts = _extractor()(host.lower().strip("."))
    if not parts.suffix or not parts.domain:
        return ""
    return f"{parts.domain}.{parts.suffix}"


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
    """Return the canonical form of a candidate address, or None if it is not one."""
    local = local.strip(_LOCAL_STRIP)
    if not local or len(local) > MAX_LOCAL_CHARS or ".." in local:
        return None
    host = _trim_domain(domain)
    if host is None:
        return None
    local = local.lower()
    if is_lookalike(local, host):
        return None
    return f"{local}@{host}"


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
        if host and _is_valid_host(host):
            return host
        labels.pop()
    return None


def _is_valid_host(host: str) -> bool:
    if len(host) > MAX_DOMAIN_CHARS:
        return False
    labels = host.split(".")
    if not all(len(label) <= MAX_LABEL_CHARS and _LABEL_RE.match(label) for label in labels):
        return False
    return bool(registrable_domain(host))


def is_lookalike(local: str, host: str) -> bool:
    """Tell whether a syntactically valid address is an asset, DSN, sample or placeholder."""
    labels = host.split(".")
    if labels[-1] in RESERVED_SUFFIXES or labels[-1] in ASSET_EXTENSIONS:
        return True
    if _SCALE_RE.match(host) or TELEMETRY_LABELS.intersection(labels):
        return True
    if local in PLACEHOLDER_LOCALS or _HEX_RE.match(local):
        return True
    domain = registrable_domain(host)
    return domain in PLACEHOLDER_DOMAINS or domain.startswith(PLACEHOLDER_DOMAIN_PREFIXES)


def classify_email(email: str, site_host: str | None) -> str:
    """Return service, free, corporate or other; role addresses count as service first."""
    local, _, host = email.lower().rpartition("@")
    if local in SERVICE_LOCAL_PARTS or local.split("-", 1)[0] in SERVICE_LOCAL_PARTS:
        return "service"
    domain = registrable_domain(host) or host
    if domain in FREE_MAIL_DOMAINS or host in FREE_MAIL_DOMAINS or domain.startswith(
        FREE_MAIL_PREFIXES
    ):
        return "free"
    if site_host:
        site = to_ascii_domain(site_host.strip(".")) or site_host
        if domain and domain == (registrable_domain(site) or site.removeprefix("www.")):
            return "corporate"
    return "other"
