"""Which IP addresses a scan must never connect to: loopback, private, link-local, CGNAT,
multicast, reserved, deprecated site-local and cloud-metadata addresses, also when carried
inside IPv6 forms."""

from __future__ import annotations

import ipaddress

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254", "fd00:ec2::23"))
CGNAT_NETWORK = ipaddress.ip_network("100.64.0.0/10")
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE_NETWORK = ipaddress.ip_network("::/96")
# Deprecated, never global, yet Python counts them global: site-local (RFC 3879; routers
# may still route it inside a site) and the 6bone test network (RFC 3701).
DEPRECATED_IPV6_NETWORKS = (
    (ipaddress.ip_network("fec0::/10"), "site-local (deprecated)"),
    (ipaddress.ip_network("3ffe::/16"), "6bone (deprecated)"),
)


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
        *((ip in network, reason) for network, reason in DEPRECATED_IPV6_NETWORKS),
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
