"""Listing pagination: /page/2/, ?page=2 and "Next" links, told apart from calendar traps."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from scrapersky.scraping.urls import fold_text

MAX_PAGE_NUMBER = 10_000
_PAGE_WORDS = "page|seite|pagina|strona|sida|side|sivu|oldal|sayfa|stran"
# /blog/page/2/, /team/seite/3, /noticias/pagina/2/ ... (the listing is what precedes it)
_PATH_PAGE_RE = re.compile(
    rf"^(?P<listing>.*?)/(?:{_PAGE_WORDS})/(?P<number>\d{{1,5}})/?$", re.IGNORECASE)
# A page segment inside the listing: relative "page/3/" links on /blog/page/2/ nest, and each
# level would otherwise be a listing of its own, at the same depth, without end.
_INNER_PAGE_RE = re.compile(rf"/(?:{_PAGE_WORDS})/\d{{1,5}}(?=/)", re.IGNORECASE)
_PAGE_WORD_RE = re.compile(rf"^(?:{_PAGE_WORDS})\s+(?=\d)")
PAGE_PARAMS = frozenset({
    "page", "paged", "pg", "pagenum", "page_num", "pagenumber", "currentpage", "seite",
    "pagina", "strona", "sida", "sivu", "oldal", "sayfa", "start", "offset",
})
# Anchor texts of "next page" links, compared without accents and in lower case.
NEXT_TEXTS = frozenset({
    "next", "next page", "next posts", "older", "older posts", "older entries", "more posts",
    "weiter", "nachste", "nachste seite", "altere beitrage", "vor", "suivant", "suivante",
    "page suivante", "siguiente", "pagina siguiente", "successivo", "successiva", "avanti",
    "volgende", "proxima", "seguinte", "nastepna", "dalsi", "seuraava", "kovetkezo",
    "sonraki", "nasta", "neste", "naeste", "more", "load more", "show more", "mehr",
    "mehr anzeigen", "voir plus", "plus",
})
_ARROWS_RE = re.compile(r"[\s›»→>⟩❯▶…\-]+")
# Calendars page through dates without end: their links stay ordinary (bounded) links.
_CALENDAR_PATH_RE = re.compile(
    r"(?:^|/)(?:calendar|kalender|agenda|calendrier|calendario|events?/(?:day|week|month|list))"
    r"(?:/|$)|(?:^|[/_-])(?:19|20)\d\d[/_-](?:0?[1-9]|1[0-2])(?:[/_-]|$)", re.IGNORECASE)
CALENDAR_PARAMS = frozenset({
    "month", "year", "week", "day", "date", "cal", "calendar", "from", "to", "ical",
    "tribe-bar-date", "eventdate", "eventdisplay", "monat", "jahr", "datum", "mois", "mes",
})
_DIGITS_RE = re.compile(r"\d+")
_TRAILING_NUMBERS_RE = re.compile(r"(?:[/-]#)+/?$")  # /x/#, /x/#/#/, /x-# are all /x


def listing_key(url: str, text: str, page_url: str) -> str | None:
    """Return the listing a link pages through (from page_url), or None if it does not."""
    if is_calendar_like(url):
        return None
    key = _listing_by_shape(url)
    if key is None and is_next_text(text) and page_url:
        key = _listing_by_neighbour(url, page_url)
    return key


def is_calendar_like(url: str) -> bool:
    """Return True for calendar and date-archive URLs, whose "next" never ends."""
    parts = urlsplit(url)
    if _CALENDAR_PATH_RE.search(parts.path):
        return True
    return any(name.lower() in CALENDAR_PARAMS for name, _ in parse_qsl(parts.query))


def is_next_text(text: str) -> bool:
    """Return True for the anchor text of a pagination link: "Next", "Weiter", "»", "2"."""
    stripped = fold_text(text.strip().lower())
    if len(stripped) > 40:
        return False
    bare = _PAGE_WORD_RE.sub("", _ARROWS_RE.sub(" ", stripped).strip())
    if not bare:
        return bool(stripped)  # arrows only: "›", "»"
    return bare in NEXT_TEXTS or (bare.isdigit() and 1 < int(bare) <= MAX_PAGE_NUMBER)


def _listing_by_shape(url: str) -> str | None:
    """/x/page/2/ → /x and /x?page=2 → /x, for URLs with no other query parameters."""
    parts = urlsplit(url)
    if not parts.query:
        match = _PATH_PAGE_RE.match(parts.path)
        if match and 1 < int(match["number"]) <= MAX_PAGE_NUMBER:
            listing = _INNER_PAGE_RE.split(match["listing"] + "/", 1)[0].rstrip("/")
            return urlunsplit((parts.scheme, parts.netloc, listing or "/", "", ""))
        return None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if len(pairs) == 1 and pairs[0][0].lower() in PAGE_PARAMS and pairs[0][1].isdigit() \
            and int(pairs[0][1]) <= MAX_PAGE_NUMBER * 100:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return None


def _listing_by_neighbour(url: str, page_url: str) -> str | None:
    """A "next" link that differs from its page only by a number, or adds one, pages it.
    Trailing numbers are not part of the listing, so /x/2 → /x/2/3 → ... stays one."""
    link, page = _numbers_masked(url), _numbers_masked(page_url)
    if "#" not in link:
        return None
    if link == page or link.rstrip("/") in (page.rstrip("/") + "/#", page.rstrip("/") + "-#"):
        return _TRAILING_NUMBERS_RE.sub("", link) or link
    return None


def _numbers_masked(url: str) -> str:
    parts = urlsplit(url)
    path, query = _DIGITS_RE.sub("#", parts.path), _DIGITS_RE.sub("#", parts.query)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
