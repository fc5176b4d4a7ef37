"""HTTP fetching: SSRF guard at connect time, bounded bodies, a deadline, manual redirects."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.util.connection import allowed_gai_family

from scrapersky.scraping.addresses import blocked_address_reason
from scrapersky.scraping.bodies import decode_body, looks_binary, looks_like_html
from scrapersky.scraping.urls import is_same_site

logger = logging.getLogger(__name__)

HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_CONTENT_TYPES = frozenset({"text/plain", "text/xml", "application/xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
READ_CHUNK_BYTES = 16_384
SNIFF_BYTES = 1024
DEADLINE_PER_TIMEOUT = 2  # a request's whole deadline defaults to 2 × its socket timeout


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
