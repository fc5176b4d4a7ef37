"""Normalise what a user submits (a URL or a bare domain) into one canonical site."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import idna

MAX_INPUT_CHARS = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
DEFAULT_ALLOWED_PORTS = (80, 443, 8080, 8443)  # EMAIL_SCAN_ALLOWED_PORTS' default
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# A scheme is "name:" not followed by a port number ("example.com:8080" has none).
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")


class InvalidSiteError(ValueError):
    """The submitted value is not a website we can scan."""


@dataclass(frozen=True)
class Site:
    """A canonical website: scheme, ASCII host, optional non-default port."""

    scheme: str
    host: str
    port: int | None = None

    @property
    def netloc(self) -> str:
        """Return host[:port] as used in URLs."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host

    @property
    def start_url(self) -> str:
        """Return the URL a scan of this site starts from."""
        return f"{self.scheme}://{self.netloc}/"

    @property
    def key(self) -> str:
        """Return the site's identity: host without `www.` plus any non-default port."""
        host = site_host(self.host)
        return f"{host}:{self.port}" if self.port else host


def site_host(host: str) -> str:
    """Return the host with a leading `www.` removed, so apex and www are one site."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def allowed_scan_ports(config: Mapping[str, Any]) -> frozenset[int] | None:
    """Return the ports scans may use (EMAIL_SCAN_ALLOWED_PORTS), or None for any port when
    EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS lifts the limit."""
    if config["EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"]:
        return None
    return frozenset(config["EMAIL_SCAN_ALLOWED_PORTS"])


def format_ports(ports: Collection[int]) -> str:
    """Return ports as people read them: "80, 443, 8080, 8443"."""
    return ", ".join(str(port) for port in sorted(ports))


def parse_site(value: str, *, default_scheme: str = "https",
               allowed_ports: Collection[int] | None = None) -> Site:
    """Parse a URL or bare domain into a Site, or raise InvalidSiteError saying why.
    With allowed_ports, a site on any other port is refused too (None: any port)."""
    value = (value or "").strip()
    if not value:
        raise InvalidSiteError("must not be empty")
    if len(value) > MAX_INPUT_CHARS:
        raise InvalidSiteError(f"must be at most {MAX_INPUT_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise InvalidSiteError("must not contain spaces or control characters")
    if not _SCHEME_RE.match(value):
        value = f"{default_scheme}://{value}"
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # an unbalanced "[" or "]": "Invalid IPv6 URL"
        raise InvalidSiteError("is not a valid URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidSiteError(f"scheme '{scheme}' is not supported; use http or https")
    if parts.username or parts.password:
        raise InvalidSiteError("must not contain a user name or password")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidSiteError("has an invalid port") from exc
    host = normalise_host(parts.hostname or "")
    check_port(port or DEFAULT_PORTS[scheme], allowed_ports)
    if port == DEFAULT_PORTS[scheme]:
        port = None
    return Site(scheme=scheme, host=host, port=port)


def check_port(port: int, allowed_ports: Collection[int] | None) -> None:
    """Raise InvalidSiteError if port is not one of allowed_ports (None: any port)."""
    if allowed_ports is not None and port not in allowed_ports:
        raise InvalidSiteError(f"uses port {port}, which scans may not use (allowed: "
                               f"{format_ports(allowed_ports)})")


def normalise_host(host: str) -> str:
    """Return the lower-case ASCII (IDNA) form of a host name or IP literal."""
    host = host.strip().rstrip(".").lower()
    if not host:
        raise InvalidSiteError("has no host name")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    ascii_host = host if is_plain_ascii_host(host) else idna_host(host)
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise InvalidSiteError(f"host '{host[:100]}' is not a valid domain name")
    if len(labels) < 2 and ascii_host != "localhost":
        raise InvalidSiteError(f"host '{host[:100]}' is not a full domain name (e.g. example.com)")
    return ascii_host


def is_plain_ascii_host(host: str) -> bool:
    """Return whether a lower-case host is letters, digits and inner hyphens only, with no
    `--` at label positions 3-4 (`xn--` and the like): IDNA would return it unchanged."""
    return len(host) <= 253 and all(
        _LABEL_RE.match(label) and label[2:4] != "--" for label in host.split(".")
    )


def idna_host(host: str) -> str:
    """Return the ASCII (IDNA, UTS 46) form of a host name, or raise InvalidSiteError."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidSiteError(f"host '{host[:100]}' is not a valid domain name") from exc


def display_host(host: str) -> str:
    """Return the Unicode form of an ASCII host for people to read."""
    try:
        return idna.decode(host)
    except idna.IDNAError:
        return host
