"""Classify addresses (service, free, corporate, other) and tell a site's own addresses."""

from __future__ import annotations

from scrapersky.scraping.emails.validate import registrable_domain, to_ascii_domain

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


def is_free_mail(host: str) -> bool:
    """Tell whether an ASCII host belongs to a free mail provider."""
    domain = registrable_domain(host) or host
    return domain in FREE_MAIL_DOMAINS or host in FREE_MAIL_DOMAINS or domain.startswith(
        FREE_MAIL_PREFIXES
    )


def is_same_site(host: str, site_host: str) -> bool:
    """Tell whether an address host belongs to the site: one registrable domain, or nested.

    Nesting covers hosts under wildcard public suffixes, where the list makes every label
    its own registrable domain: www.school.sch.uk serves addresses at school.sch.uk.
    """
    site = to_ascii_domain(site_host.strip(".")) or site_host.lower()
    site = site.removeprefix("www.")
    domain = registrable_domain(host)
    if domain and domain == registrable_domain(site):
        return True
    shorter, longer = sorted((host, site), key=len)
    return longer == shorter or longer.endswith("." + shorter)


def classify_email(email: str, site_host: str | None) -> str:
    """Return service, free, corporate or other; role addresses count as service first."""
    local, _, host = email.lower().rpartition("@")
    if local in SERVICE_LOCAL_PARTS or local.split("-", 1)[0] in SERVICE_LOCAL_PARTS:
        return "service"
    if is_free_mail(host):
        return "free"
    if site_host and is_same_site(host, site_host):
        return "corporate"
    return "other"
