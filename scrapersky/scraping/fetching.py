"""HTTP fetching: SSRF guard at connect time, bounded bodies, a deadline, manual redirects."""

from __future__ import annotations

import codecs
import contextlib
import ipaddress
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from charset_normalizer import from_bytes
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.util.connection import allowed_gai_family

from scrapersky.scraping.urls import is_same_site

logger = logging.getLogger(__name__)

HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_CONTENT_TYPES = frozenset({"text/plain", "text/xml", "application/xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
READ_CHUNK_BYTES = 16_384
SNIFF_BYTES = 1024
DETECT_SAMPLE_BYTES = 65_536
DEADLINE_PER_TIMEOUT = 2  # a request's whole deadline defaults to 2 × its socket timeout
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                b"Rar!", b"7z\xbc\xaf", b"\x7fELF", b"MZ", b"RIFF", b"OggS", b"ID3", b"wOF")
TEXT_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
             (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_TAG_RE = re.compile(rb"<[^>]{0,2000}>")
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
# Western text has a few accented letters; Cyrillic, Greek or CJK text is mostly high bytes.
WESTERN_HIGH_BYTE_RATIO = 0.2
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<a ", b"<div")
# WHATWG: labels that browsers decode as windows-1252.
_CP1252_LABELS = frozenset({"iso-8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"})

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254", "fd00:ec2::23"))
CGNAT_NETWORK = ipaddress.ip_network("100.64.0.0/10")
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE_NETWORK = ipaddress.ip_network("::/96")


class FetchError(Exception):
    """A URL could not be fetched; .reason is a short code, str() a message for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class AddressNotAllowedError(FetchError):
    """The host resolved to an address we must never connect to (SSRF guard)."""

    def __init__(self, message: str) -> None:
        super().__init__("address_not_allowed", message)


@dataclass
class FetchResult:
    """One fetched URL after redirects; text is set only for HTML (or accepted text) bodies."""

    url: str
    final_url: str
    status_code: int
    content_type: str
    text: str | None
    is_html: bool
    truncated: bool
    bytes_read: int
    redirects: list[str] = field(default_factory=list)
    retry_after_seconds: float | None = None


def blocked_address_reason(address: str) -> str | None:
    """Return why an IP address must not be connected to, or None if it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    if embedded:
        reasons = [blocked_address_reason(str(inner)) for inner in embedded]
        return next((reason for reason in reasons if reason), None)
    checks = (
        (ip in METADATA_ADDRESSES, "cloud metadata"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.version == 4 and ip in CGNAT_NETWORK, "shared address space (CGNAT)"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not globally routable"),
    )
    return next((reason for failed, reason in checks if failed), None)


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list:
    """Return the IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if ip.version == 4:
        return []
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)
    if any(ip in network for network in NAT64_NETWORKS):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in IPV4_COMPATIBLE_NETWORK and int(ip) > 1:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


_request_deadline = threading.local()  # the monotonic deadline of this thread's fetch


class _GuardedConnectionMixin:
    """Resolve, vet every address, then connect to a vetted IP (TLS still uses the name).

    While waiting for response headers a watchdog shuts the socket at the fetch deadline,
    so a server dripping header bytes cannot hold a worker past it either.
    """

    allow_private_networks = False

    def getresponse(self, *args: object, **kwargs: object) -> object:
        """Wait for the response headers, but no later than the fetch deadline."""
        deadline = getattr(_request_deadline, "value", None)
        if deadline is None:
            return super().getresponse(*args, **kwargs)
        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), self._shut_socket)
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().getresponse(*args, **kwargs)
        finally:
            watchdog.cancel()

    def _shut_socket(self) -> None:
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _new_conn(self) -> socket.socket:
        host, port = self._dns_host, self.port
        try:
            infos = socket.getaddrinfo(host.strip("[]"), port, allowed_gai_family(),
                                       socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError("dns", f"DNS lookup failed for {host}") from exc
        if not self.allow_private_networks:
            for info in infos:
                reason = blocked_address_reason(info[4][0])
                if reason:
                    raise AddressNotAllowedError(
                        f"address {info[4][0]} of {host} is not allowed ({reason})")
        return _connect_first(infos, host, self.timeout, self.socket_options)


def _connect_first(infos: list, host: str, timeout: object, options: list | None) -> socket.socket:
    error: FetchError | None = None
    for family, socktype, proto, _, address in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            for option in options or ():
                sock.setsockopt(*option)
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            sock.connect(address)
            return sock
        except TimeoutError:
            sock.close()
            error = FetchError("timeout", f"connection to {host} timed out after {timeout} s")
        except ConnectionRefusedError:
            sock.close()
            error = FetchError("refused", f"connection refused by {address[0]}:{address[1]}")
        except OSError as exc:
            sock.close()
            error = FetchError("connection", f"could not connect to {host}: {exc.strerror or exc}")
    raise error or FetchError("dns", f"DNS lookup returned no addresses for {host}")


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose urllib3 pools open connections through the SSRF guard."""

    def __init__(self, *, allow_private_networks: bool, pool_maxsize: int) -> None:
        attrs = {"allow_private_networks": allow_private_networks}
        http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attrs)
        https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection),
                          attrs)
        self._pool_classes = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,),
                         {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,),
                          {"ConnectionCls": https_conn}),
        }
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        """Create the pool manager, then swap in the guarded pool classes."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes


def build_session(*, user_agent: str, allow_private_networks: bool,
                  pool_maxsize: int = 4) -> requests.Session:
    """Return a pooled session whose every connection passes the SSRF guard."""
    session = requests.Session()
    session.trust_env = False  # never route through proxies named in the environment
    session.headers.update({
        "User-Agent": user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        "Accept-Encoding": "gzip, deflate",
    })
    adapter = GuardedAdapter(allow_private_networks=allow_private_networks,
                             pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch(session: requests.Session, url: str, *, timeout_seconds: float, max_bytes: int,
          max_redirects: int = 5, deadline_seconds: float | None = None,
          accept_text: bool = False) -> FetchResult:
    """Fetch url following same-site redirects; raise FetchError if it cannot be fetched."""
    if deadline_seconds is None:
        deadline_seconds = DEADLINE_PER_TIMEOUT * timeout_seconds
    deadline = time.monotonic() + deadline_seconds
    redirects: list[str] = []
    current = url
    _request_deadline.value = deadline
    try:
        while True:
            response = _send(session, current, timeout_seconds, deadline)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return _read_result(response, url, redirects, max_bytes, deadline, accept_text)
            response.close()
            current = _next_hop(url, current, location, redirects, max_redirects)
            redirects.append(current)
    finally:
        _request_deadline.value = None


def _send(session: requests.Session, url: str, timeout_seconds: float,
          deadline: float) -> requests.Response:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError("timeout", f"request to {url} ran out of time")
    timeout = min(timeout_seconds, remaining)
    try:
        return session.get(url, stream=True, allow_redirects=False, timeout=(timeout, timeout))
    except requests.Timeout as exc:
        raise FetchError("timeout", f"request to {url} timed out after {timeout:g} s") from exc
    except requests.exceptions.SSLError as exc:
        host = urlsplit(url).hostname
        raise FetchError("tls", f"TLS handshake or certificate check failed for {host}") from exc
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema) as exc:
        raise FetchError("invalid_url", f"invalid URL {url}") from exc
    except requests.RequestException as exc:
        if time.monotonic() >= deadline:  # the watchdog cut a server that dripped headers
            raise FetchError("timeout", f"request to {url} exceeded its deadline") from exc
        raise FetchError("connection", f"request to {url} failed: {_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    while exc.__context__ is not None and isinstance(exc, requests.RequestException):
        exc = exc.__context__
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _next_hop(url: str, current: str, location: str, redirects: list[str],
              max_redirects: int) -> str:
    target = urldefrag(urljoin(current, location.strip()))[0]
    if urlsplit(target).scheme not in ("http", "https"):
        raise FetchError("bad_redirect", f"{current} redirects to a non-HTTP URL")
    if target == url or target in redirects:
        raise FetchError("redirect_loop", f"redirect loop at {target}")
    if len(redirects) >= max_redirects:
        raise FetchError("too_many_redirects", f"more than {max_redirects} redirects from {url}")
    if not is_same_site(url, target):
        raise FetchError("offsite_redirect", f"{current} redirects to another site: {target}")
    return target


def _read_result(response: requests.Response, url: str, redirects: list[str], max_bytes: int,
                 deadline: float, accept_text: bool) -> FetchResult:
    content_type = response.headers.get("Content-Type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    result = FetchResult(url=url, final_url=response.url, status_code=response.status_code,
                         content_type=media_type, text=None, is_html=False, truncated=False,
                         bytes_read=0, redirects=redirects,
                         retry_after_seconds=parse_retry_after(response.headers.get("Retry-After")))
    wanted = HTML_CONTENT_TYPES | (TEXT_CONTENT_TYPES if accept_text else frozenset())
    if media_type and media_type not in wanted:
        response.close()
        return result
    body, result.truncated = _read_body(response, max_bytes, deadline)
    result.bytes_read = len(body)
    head = body[:SNIFF_BYTES]
    if looks_binary(head) or (not media_type and not looks_like_html(head)):
        return result
    result.is_html = media_type in HTML_CONTENT_TYPES or not media_type
    result.text = decode_body(body, content_type)
    return result


def _read_body(response: requests.Response, max_bytes: int, deadline: float) -> tuple[bytes, bool]:
    """Read at most max_bytes, giving up at the deadline even if the server drips bytes."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size < max_bytes:
            if time.monotonic() > deadline:
                raise FetchError("timeout", f"download of {response.url} exceeded its deadline")
            chunk = response.raw.read1(min(READ_CHUNK_BYTES, max_bytes - size), decode_content=True)
            if not chunk:
                response.raw.release_conn()
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
    except (Urllib3HTTPError, OSError) as exc:
        response.close()
        reason = "timeout" if "timed out" in str(exc).lower() else "connection"
        raise FetchError(reason, f"reading {response.url} failed: {_short(exc)}") from exc
    except FetchError:
        response.close()
        raise
    response.close()
    return b"".join(chunks), True


def looks_binary(head: bytes) -> bool:
    """Return True if the first bytes of a body are a known binary format or contain NULs."""
    if head.startswith(tuple(bom for bom, _ in TEXT_BOMS)):
        return False
    return head.startswith(BINARY_MAGIC) or b"\x00" in head


def looks_like_html(head: bytes) -> bool:
    """Return True if the first bytes of an untyped body look like HTML."""
    lowered = head.lower()
    return any(marker in lowered for marker in _HTML_MARKERS)


def decode_body(body: bytes, content_type: str) -> str:
    """Decode a body: BOM, then the header charset, then <meta charset>, then detection."""
    for bom, encoding in TEXT_BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
    meta = _META_CHARSET_RE.search(body[:4096])
    for label in (match and match.group(1), meta and meta.group(1).decode("ascii")):
        encoding = _known_encoding(label)
        if encoding:
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return body.decode(_detect_encoding(body[:DETECT_SAMPLE_BYTES]), errors="replace")


def _detect_encoding(sample: bytes) -> str:
    """Guess a legacy encoding; mostly-ASCII text with a few accents is windows-1252."""
    visible = _TAG_RE.sub(b" ", sample)
    high_bytes = len(_HIGH_BYTE_RE.findall(visible))
    if high_bytes < WESTERN_HIGH_BYTE_RATIO * max(len(visible), 1):
        return "cp1252"
    best = from_bytes(sample).best()
    return best.encoding if best else "cp1252"


def _known_encoding(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _CP1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def parse_retry_after(value: str | None) -> float | None:
    """Return a Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
