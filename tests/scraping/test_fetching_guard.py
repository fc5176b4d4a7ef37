"""The fetcher's guard: internal addresses and ports outside EMAIL_SCAN_ALLOWED_PORTS are
refused at connect time, for every connection and redirect, without telling users the
address or port; TLS is checked against the host name."""

from __future__ import annotations

import socket

import pytest
import requests

from scrapersky.scraping import connections
from scrapersky.scraping.fetching import (
    AddressNotAllowedError,
    FetchError,
    PortNotAllowedError,
    blocked_address_reason,
    build_session,
)
from scrapersky.sites import DEFAULT_ALLOWED_PORTS
from tests.scraping.conftest import USER_AGENT, LoopbackSite, fake_dns, quick_fetch


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "cloud metadata"),
    ("169.254.169.254", "cloud metadata"),
    ("fd00:ec2::254", "cloud metadata"),
    ("100.64.0.1", "shared address space (CGNAT)"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("169.254.1.1", "link-local"),
    ("fc00::1", "private"),
    ("10.1.2.3", "private"),
    ("192.168.0.1", "private"),
    ("172.16.0.1", "private"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("::127.0.0.1", "loopback"),  # IPv4-compatible
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo client 127.0.0.1
])
def test_blocked_address_reason_refuses_internal_addresses(address: str, reason: str) -> None:
    assert blocked_address_reason(address) == reason


@pytest.mark.parametrize("address", [
    "93.184.216.34", "8.8.8.8", "::ffff:8.8.8.8", "2606:4700::1111", "64:ff9b::808:808",
])
def test_blocked_address_reason_allows_public_addresses(address: str) -> None:
    assert blocked_address_reason(address) is None


def test_guard_refuses_loopback_server(guarded_session: requests.Session,
                                       site: LoopbackSite) -> None:
    site.page("/", "<p>secret</p>")
    with pytest.raises(AddressNotAllowedError, match="^127.0.0.1 is a loopback address, which "
                       "scans are not allowed to reach$") as caught:
        quick_fetch(guarded_session, site.url("/"))
    assert caught.value.reason == "address_not_allowed"
    assert caught.value.detail == "address 127.0.0.1 of 127.0.0.1 is not allowed (loopback)"
    assert site.requests == []


def test_guard_names_the_host_and_the_category_but_not_the_address(
        guarded_session: requests.Session, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"intranet.acme.test": ["10.0.0.1"]})
    with pytest.raises(AddressNotAllowedError, match="^intranet.acme.test resolves to a private "
                       "network address, which scans are not allowed to reach$") as caught:
        quick_fetch(guarded_session, "http://intranet.acme.test:8080/")
    assert "10.0.0.1" in caught.value.detail  # the log keeps the address


def test_guard_checks_every_connection_so_rebinding_fails(
        site: LoopbackSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.page("/", "<p>public</p>")
    allow_loopback(monkeypatch)
    lookups = fake_dns(monkeypatch, {"rebind.test": ["127.0.0.1", "::ffff:169.254.169.254"]})
    url = site.url("/").replace("127.0.0.1", "rebind.test")
    first = build_session(user_agent=USER_AGENT, allow_private_networks=False, allowed_ports=None)
    assert quick_fetch(first, url).text == "<p>public</p>"
    second = build_session(user_agent=USER_AGENT, allow_private_networks=False,
                           allowed_ports=None)
    with pytest.raises(AddressNotAllowedError, match="cloud metadata"):
        quick_fetch(second, url)
    assert lookups == ["rebind.test", "rebind.test"]


def test_guard_checks_redirect_targets(site: LoopbackSite,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    port = site.base_url.rsplit(":", 1)[1].rstrip("/")
    site.page("/", "", status=302, Location=f"http://www.example.test:{port}/inside")
    allow_loopback(monkeypatch)
    fake_dns(monkeypatch, {"example.test": ["127.0.0.1"], "www.example.test": ["10.0.0.7"]})
    session = build_session(user_agent=USER_AGENT, allow_private_networks=False,
                            allowed_ports=None)
    with pytest.raises(AddressNotAllowedError, match="^www.example.test resolves to a private "
                       "network address") as caught:
        quick_fetch(session, f"http://example.test:{port}/")
    assert "10.0.0.7" not in str(caught.value) and "10.0.0.7 of www" in caught.value.detail


def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the guard pass 127.0.0.1 (our test servers) as if it were public."""
    real_reason = connections.blocked_address_reason
    monkeypatch.setattr(connections, "blocked_address_reason",
                        lambda a: None if a == "127.0.0.1" else real_reason(a))


def test_a_port_not_allowed_is_refused_before_connecting(
        site: LoopbackSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.page("/", "<p>redis, say</p>")
    allow_loopback(monkeypatch)
    session = build_session(user_agent=USER_AGENT, allow_private_networks=False)
    with pytest.raises(PortNotAllowedError, match=r"^127.0.0.1 is served on a port scans may "
                       r"not use \(allowed: 80, 443, 8080, 8443\)$") as caught:
        quick_fetch(session, site.url("/"))
    assert caught.value.reason == "port_not_allowed" and site.requests == []
    port = site.base_url.rsplit(":", 1)[1].rstrip("/")
    assert f"port {port} of 127.0.0.1" in caught.value.detail


def test_a_redirect_to_a_port_not_allowed_is_refused(
        site: LoopbackSite, monkeypatch: pytest.MonkeyPatch) -> None:
    # http://acme.test/ (port 80, served by the loopback site) redirects to https (443).
    port = int(site.base_url.rsplit(":", 1)[1].rstrip("/"))
    site.page("/", "", status=301, Location="https://acme.test/")
    allow_loopback(monkeypatch)
    connects: list[int] = []

    def getaddrinfo(host: str, wanted: int, *_args: object, **_kwargs: object) -> list:
        connects.append(wanted)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    session = build_session(user_agent=USER_AGENT, allow_private_networks=False,
                            allowed_ports={80})
    with pytest.raises(PortNotAllowedError, match="allowed: 80"):
        quick_fetch(session, "http://acme.test/")
    assert site.requests == ["/"] and connects == [80, 443]  # 443 resolved, never connected


def test_with_private_networks_allowed_any_port_is_allowed(site: LoopbackSite) -> None:
    site.page("/", "<p>dev server</p>")
    session = build_session(user_agent=USER_AGENT, allow_private_networks=True,
                            allowed_ports=DEFAULT_ALLOWED_PORTS)
    assert quick_fetch(session, site.url("/")).text == "<p>dev server</p>"


def test_tls_checks_the_host_name_not_the_vetted_ip(
        tls_site: tuple[LoopbackSite, str, list], session: requests.Session) -> None:
    site, cert_path, server_names = tls_site
    site.page("/", "<p>secure</p>")
    session.verify = cert_path
    by_name = site.url("/").replace("127.0.0.1", "localhost")
    assert quick_fetch(session, by_name).text == "<p>secure</p>"
    assert server_names[0] == "localhost"
    with pytest.raises(FetchError, match="certificate check failed for 127.0.0.1") as caught:
        quick_fetch(session, site.url("/"))
    assert caught.value.reason == "tls"
