"""The fetcher's address guard: internal addresses are refused at connect time, for every
connection and redirect, and TLS is checked against the host name."""

from __future__ import annotations

import pytest
import requests

from scrapersky.scraping import fetching
from scrapersky.scraping.fetching import (
    AddressNotAllowedError,
    FetchError,
    blocked_address_reason,
    build_session,
)
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
    with pytest.raises(AddressNotAllowedError) as caught:
        quick_fetch(guarded_session, site.url("/"))
    assert caught.value.reason == "address_not_allowed"
    assert "127.0.0.1" in str(caught.value) and "(loopback)" in str(caught.value)
    assert site.requests == []


def test_guard_names_the_host_name(guarded_session: requests.Session, site: LoopbackSite,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"localhost": ["127.0.0.1"]})
    url = site.url("/").replace("127.0.0.1", "localhost")
    with pytest.raises(AddressNotAllowedError,
                       match=r"address 127.0.0.1 of localhost is not allowed \(loopback\)"):
        quick_fetch(guarded_session, url)


def test_guard_checks_every_connection_so_rebinding_fails(
        site: LoopbackSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.page("/", "<p>public</p>")
    real_reason = fetching.blocked_address_reason
    monkeypatch.setattr(fetching, "blocked_address_reason",
                        lambda a: None if a == "127.0.0.1" else real_reason(a))
    lookups = fake_dns(monkeypatch, {"rebind.test": ["127.0.0.1", "::ffff:169.254.169.254"]})
    url = site.url("/").replace("127.0.0.1", "rebind.test")
    first = build_session(user_agent=USER_AGENT, allow_private_networks=False)
    assert quick_fetch(first, url).text == "<p>public</p>"
    second = build_session(user_agent=USER_AGENT, allow_private_networks=False)
    with pytest.raises(AddressNotAllowedError, match="cloud metadata"):
        quick_fetch(second, url)
    assert lookups == ["rebind.test", "rebind.test"]


def test_guard_checks_redirect_targets(site: LoopbackSite,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    port = site.base_url.rsplit(":", 1)[1].rstrip("/")
    site.page("/", "", status=302, Location=f"http://www.example.test:{port}/inside")
    real_reason = fetching.blocked_address_reason
    monkeypatch.setattr(fetching, "blocked_address_reason",
                        lambda a: None if a == "127.0.0.1" else real_reason(a))
    fake_dns(monkeypatch, {"example.test": ["127.0.0.1"], "www.example.test": ["10.0.0.7"]})
    session = build_session(user_agent=USER_AGENT, allow_private_networks=False)
    with pytest.raises(AddressNotAllowedError, match="10.0.0.7 of www.example.test"):
        quick_fetch(session, f"http://example.test:{port}/")


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
