"""HTTP fetching: bounded bodies, a deadline, manual redirects checked against the site and
robots.txt; connections go through the SSRF guard (connections.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from scrapersky.scraping.addresses import blocked_address_reason
from scrapersky.scraping.bodies import decode_body, looks_binary, looks_like_html
from scrapersky.scraping.connections import (
    AddressNotAllowedError,
    FetchError,
    PortNotAllowedError,
    build_session,
    set_request_deadline,
)
from scrapersky.scraping.urls import is_same_site

__all__ = ["AddressNotAllowedError", "FetchError", "FetchResult", "PortNotAllowedError",
           "blocked_address_reason", "build_session", "decode_body", "fetch",
           "parse_retry_after"]

logger = logging.getLogger(__name__)

HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_CONTENT_TYPES = frozenset({"text/plain", "text/xml", "application/xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
READ_CHUNK_BYTES = 16_384
SNIFF_BYTES = 1024
DEADLINE_PER_TIMEOUT = 2  # a request's whole deadline defaults to 2 × its socket timeout


@dataclass
class FetchResult:
    """One fetched URL after redirects: text only for HTML (or accepted text) bodies, body
    (the raw bytes) only when binary bodies were asked for."""

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
    body: bytes | None = None


def fetch(session: requests.Session, url: str, *, timeout_seconds: float, max_bytes: int,
          max_redirects: int = 5, deadline_seconds: float | None = None,
          accept_text: bool = False, accept_binary: bool = False,
          is_allowed: Callable[[str], bool] | None = None) -> FetchResult:
    """Fetch url following same-site redirects that is_allowed (robots.txt) lets us follow;
    raise FetchError if it cannot be fetched. accept_binary keeps any body as raw bytes."""
    if deadline_seconds is None:
        deadline_seconds = DEADLINE_PER_TIMEOUT * timeout_seconds
    deadline = time.monotonic() + deadline_seconds
    wanted = None if accept_binary else (
        HTML_CONTENT_TYPES | (TEXT_CONTENT_TYPES if accept_text else frozenset()))
    redirects: list[str] = []
    current = url
    set_request_deadline(deadline)
    try:
        while True:
            response = _send(session, current, timeout_seconds, deadline)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return _read_result(response, url, redirects, max_bytes, deadline, wanted)
            response.close()
            target = _next_hop(url, current, location, redirects, max_redirects)
            if is_allowed is not None and not is_allowed(target):
                raise FetchError("robots", f"{current} redirects to {target}, which "
                                 "robots.txt disallows")
            current = target
            redirects.append(current)
    finally:
        set_request_deadline(None)


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
                 deadline: float, wanted: frozenset[str] | None) -> FetchResult:
    """Read the final response; wanted is the media types whose body is read (None: any,
    kept as raw bytes)."""
    content_type = response.headers.get("Content-Type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    result = FetchResult(url=url, final_url=response.url, status_code=response.status_code,
                         content_type=media_type, text=None, is_html=False, truncated=False,
                         bytes_read=0, redirects=redirects,
                         retry_after_seconds=parse_retry_after(response.headers.get("Retry-After")))
    if wanted is not None and media_type and media_type not in wanted:
        response.close()
        return result
    body, result.truncated = _read_body(response, max_bytes, deadline)
    result.bytes_read = len(body)
    if wanted is None:
        result.body = body
        return result
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
