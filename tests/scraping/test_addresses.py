"""Deprecated site-local IPv6 (fec0::/10) and the 6bone range are refused in every spelling,
although Python counts them global."""

from __future__ import annotations

import ipaddress

import pytest

from scrapersky.scraping.addresses import blocked_address_reason


@pytest.mark.parametrize("address", [
    "fec0::1", "FEC0::1", "fec0:0:0:0:0:0:0:1", "fec0::1%eth0", "fed0::1", "feff:ffff::1",
    "fec0::a9fe:a9fe", "fec0::ffff:8.8.8.8", "fec0::192.168.0.1",
])
def test_site_local_addresses_are_refused(address):
    assert ipaddress.ip_address(address.split("%")[0]).is_global  # Python's view: global
    assert blocked_address_reason(address) == "site-local (deprecated)"


def test_6bone_addresses_are_refused():
    assert blocked_address_reason("3ffe:831f::1") == "6bone (deprecated)"


@pytest.mark.parametrize(("address", "reason"), [
    ("2606:4700::1111", None), ("2a00:1450::1", None), ("fbff::1", "reserved"),
    ("fe80::1", "link-local"), ("fc00::1", "private"),
])
def test_neighbours_keep_their_own_verdicts(address, reason):
    assert blocked_address_reason(address) == reason
