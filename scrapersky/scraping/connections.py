"""Guarded connections: every address and port vetted at connect time (SSRF guard), response
headers awaited no later than the fetch deadline, and the errors a fetch reports."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Collection

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.connection import allowed_gai_family

from scrapersky.scraping.addresses import blocked_address_reason
from scrapersky.sites import DEFAULT_ALLOWED_PORTS, format_ports

logger = logging.getLogger(__name__)

# What users read instead of the address: the category is enough, the address is an oracle.
ADDRESS_CATEGORIES = {
    "private": "a private network address", "loopback": "a loopback address",
    "link-local": "a link-local address", "cloud metadata": "a cloud metadata address",
    "multicast": "a multicast address", "unspecified": "an unspecified address",
    "reserved": "a reserved address",
}


class FetchError(Exception):
    """A URL could not be fetched: .reason is a short code, str() a message for people
    (never a resolved address or a port), .detail the full story for the log."""

    def __init__(self, reason: str, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail or message


class AddressNotAllowedError(FetchError):
    """The host resolved to an address we must never connect to (SSRF guard)."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__("address_not_allowed", message, detail)


class PortNotAllowedError(FetchError):
    """The URL names a port outside EMAIL_SCAN_ALLOWED_PORTS."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__("port_not_allowed", message, detail)


_request_deadline = threading.local()  # the monotonic deadline of this thread's fetch


def set_request_deadline(deadline: float | None) -> None:
    """Set (or clear, with None) the deadline of this thread's fetch."""
    _request_deadline.value = deadline


class _GuardedConnectionMixin:
    """Resolve, vet every address and the port, then connect to a vetted IP (TLS still uses
    the name). While waiting for response headers a watchdog shuts the socket at the fetch
    deadline, so a server dripping header bytes cannot hold a worker past it either."""

    allow_private_networks = False
    allowed_ports: frozenset[int] | None = None  # None: any port

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
                _check_address(host, info[4][0])
        if self.allowed_ports is not None and port not in self.allowed_ports:
            raise PortNotAllowedError(
                f"{host} is served on a port scans may not use (allowed: "
                f"{format_ports(self.allowed_ports)})",
                f"port {port} of {host} is not in EMAIL_SCAN_ALLOWED_PORTS")
        return _connect_first(infos, host, self.timeout, self.socket_options)


def _check_address(host: str, address: str) -> None:
    """Raise AddressNotAllowedError if address (of host) must not be connected to."""
    reason = blocked_address_reason(address)
    if not reason:
        return
    category = ADDRESS_CATEGORIES.get(reason, f"an address that is not public ({reason})")
    verb = "is" if _is_ip_literal(host) else "resolves to"
    raise AddressNotAllowedError(
        f"{host} {verb} {category}, which scans are not allowed to reach",
        f"address {address} of {host} is not allowed ({reason})")


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


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
            error = FetchError("timeout", f"connection to {host} timed out after {timeout} s",
                               f"connection to {address[0]}:{address[1]} timed out")
        except ConnectionRefusedError:
            sock.close()
            error = FetchError("refused", f"{host} refused the connection",
                               f"connection refused by {address[0]}:{address[1]}")
        except OSError as exc:
            sock.close()
            error = FetchError("connection", f"could not connect to {host}: "
                               f"{exc.strerror or exc}",
                               f"could not connect to {address[0]}:{address[1]}: {exc}")
    raise error or FetchError("dns", f"DNS lookup returned no addresses for {host}")


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose urllib3 pools open connections through the SSRF guard."""

    def __init__(self, *, allow_private_networks: bool, allowed_ports: frozenset[int] | None,
                 pool_maxsize: int) -> None:
        attrs = {"allow_private_networks": allow_private_networks, "allowed_ports": allowed_ports}
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
                  allowed_ports: Collection[int] | None = DEFAULT_ALLOWED_PORTS,
                  pool_maxsize: int = 4) -> requests.Session:
    """Return a pooled session whose every connection passes the SSRF guard: public
    addresses on allowed_ports only (None: any port), unless private networks are allowed,
    which lifts both."""
    session = requests.Session()
    session.trust_env = False  # never route through proxies named in the environment
    session.headers.update({
        "User-Agent": user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        "Accept-Encoding": "gzip, deflate",
    })
    ports = None if allow_private_networks or allowed_ports is None else frozenset(allowed_ports)
    adapter = GuardedAdapter(allow_private_networks=allow_private_networks,
                             allowed_ports=ports, pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
