"""URL canonicalisation, same-site tests and contact-likeness scores for the crawler."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from scrapersky.sites import DEFAULT_PORTS, InvalidSiteError, normalise_host, site_host

MAX_URL_CHARS = 2048
TRACKING_PARAMS = frozenset({
    "gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "yclid", "twclid", "ttclid",
    "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "vero_id",
    "oly_anon_id", "oly_enc_id", "wickedid", "rb_clickid", "s_cid", "ref_src", "spm",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
SKIPPED_EXTENSIONS = frozenset({
    "7z", "apk", "avi", "bin", "bmp", "bz2", "css", "csv", "dmg", "doc", "docx", "eot", "epub",
    "exe", "flac", "gif", "gz", "heic", "ico", "iso", "jar", "jpeg", "jpg", "js", "json", "m4a",
    "m4v", "mkv", "mov", "mp3", "mp4", "mpeg", "mpg", "msi", "odp", "ods", "odt", "ogg", "otf",
    "pdf", "png", "ppt", "pptx", "rar", "rss", "svg", "tar", "tgz", "tif", "tiff", "ttf", "wav",
    "webm", "webp", "wmv", "woff", "woff2", "xls", "xlsx", "xz", "zip",
})
_SAFE_PATH_CHARS = "/%:@!$&'()*+,;=-._~"
_SEPARATORS_RE = re.compile(r"[\s_/.+]+")

# Scores for what a link's URL or anchor text suggests; higher is fetched first. Terms are
# matched in lower case without accents (see fold_text), anywhere in the joined words.
CONTACT_SCORE = 100
PEOPLE_SCORE = 40
LEGAL_SCORE = 20
CONTACT_TERMS = (
    # contact
    "contact", "kontakt", "contato", "contatti", "contattaci", "nous-contacter", "contactez",
    "fale-conosco", "yhteystiedot", "ota-yhteytta", "kapcsolat", "elerhetoseg", "iletisim",
    "bize-ulasin", "get-in-touch", "reach-us", "write-us", "anfahrt", "standort",
    # imprint and legal notice (legal-notice, aviso-legal, mentions-legales, note-legali...)
    "impressum", "imprint", "legal", "colofon", "impresszum", "kunye", "juridisch",
    # privacy and data protection: the data protection officer is named there
    "privacy", "datenschutz", "dsgvo", "gdpr", "rgpd", "lopd", "data-protection",
    "privacidad", "privacidade", "proteccion-de-datos", "datos-personales", "protecao-de-dados",
    "dados-pessoais", "lgpd", "confidentialite", "protection-des-donnees",
    "donnees-personnelles", "protezione-dati", "protezione-dei-dati", "dati-personali",
    "trattamento-dati", "gegevensbescherming", "persoonsgegevens", "integritet", "dataskydd",
    "personuppgift", "personvern", "databeskyttelse", "privatliv", "prywatnosc",
    "ochrona-danych", "dane-osobowe", "ochrana-osobnich-udaju", "osobni-udaje",
    "ochrana-soukromi", "tietosuoja", "adatvedelem", "adatkezeles",
    "gizlilik", "kvkk", "kisisel-veri",
)
PEOPLE_TERMS = (
    "about", "ueber-uns", "uber-uns", "team", "staff", "people", "mitarbeiter",
    "ansprechpartner", "chi-siamo", "quienes-somos", "sobre-nosotros", "nosotros",
    "qui-sommes-nous", "a-propos", "over-ons", "wie-zijn-wij", "medewerkers", "om-oss", "om-os",
    "medarbetare", "ansatte", "medarbejdere", "o-nas", "zespol", "o-firmie", "company",
    "unternehmen", "leadership", "management", "founders", "equipe", "equipo", "quem-somos",
    "sobre-nos", "meista", "henkilosto", "rolunk", "munkatarsaink", "hakkimizda", "ekibimiz",
    "directory", "who-we-are",
)
LEGAL_TERMS = ("terms", "agb", "rechtliches", "conditions", "disclaimer", "cookie")
_FOLDED_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "æ": "ae", "ß": "ss",
                                 "đ": "d", "œ": "oe", "þ": "th"})


def canonicalise_url(url: str) -> str | None:
    """Return the canonical form of an http(s) URL, or None if it must never be fetched."""
    if not url or len(url) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username:
            return None
        host = normalise_host(parts.hostname)
        port = parts.port
    except (ValueError, InvalidSiteError):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path, query = _canonical_path(parts.path), _canonical_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def _canonical_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path or "/")
    if "/." in path:
        trailing = path.endswith("/")
        path = posixpath.normpath(path) + ("/" if trailing else "")
        path = "/" + path.lstrip("/")
    return quote(path, safe=_SAFE_PATH_CHARS)


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(sorted((k, v) for k, v in pairs if not is_tracking_param(k)))


def is_tracking_param(name: str) -> bool:
    """Return True for query parameters that only track clicks (utm_*, gclid, fbclid...)."""
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def effective_port(url: str) -> int:
    """Return the port a URL connects to, filling in the scheme's default."""
    parts = urlsplit(url)
    return parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)


def is_same_site(site_url: str, url: str, *, include_subdomains: bool = False) -> bool:
    """Return True if url belongs to the site of site_url (www. and apex are one site)."""
    site, other = urlsplit(site_url), urlsplit(url)
    if not site.hostname or not other.hostname:
        return False
    ports = {effective_port(site_url), effective_port(url)}
    if len(ports) > 1 and not ports <= set(DEFAULT_PORTS.values()):
        return False
    site_key, other_key = site_host(site.hostname), site_host(other.hostname)
    if site_key == other_key:
        return True
    return include_subdomains and other_key.endswith("." + site_key)


def has_skipped_extension(url: str) -> bool:
    """Return True if the URL's path names an obviously non-HTML file (.pdf, .jpg, .zip...)."""
    last_segment = urlsplit(url).path.rsplit("/", 1)[-1]
    _, dot, extension = last_segment.rpartition(".")
    return bool(dot) and extension.lower() in SKIPPED_EXTENSIONS


def path_key(url: str) -> str:
    """Return scheme://host/path without the query, to count query variants per path."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def contact_score(url: str, text: str = "") -> int:
    """Return how strongly a link's URL and anchor text suggest contact details."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:  # e.g. "http://[::1/" from a broken page
        path = ""
    words = fold_text("-".join(_SEPARATORS_RE.split(f"{path} {text}".lower())))
    for terms, score in ((CONTACT_TERMS, CONTACT_SCORE), (PEOPLE_TERMS, PEOPLE_SCORE),
                         (LEGAL_TERMS, LEGAL_SCORE)):
        if any(term in words for term in terms):
            return score
    return 0


def fold_text(text: str) -> str:
    """Return lower-case text without accents (Datenschutzerklärung → datenschutzerklarung)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_FOLDED_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))
