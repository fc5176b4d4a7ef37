"""Fetching: SSRF guard, bounded bodies, deadlines, redirects and charsets, on loopback."""

from __future__ import annotations

import time
import tracemalloc
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from scrapersky.scraping.fetching import (
    FetchError,
    decode_body,
    parse_retry_after,
)
from tests.scraping.conftest import LoopbackSite, drip_body, failing_dns, quick_fetch

MB = 1_000_000


def test_session_ignores_environment_proxies(monkeypatch: pytest.MonkeyPatch,
                                             session: requests.Session,
                                             site: LoopbackSite) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    site.page("/", "<p>direct</p>")
    assert session.trust_env is False
    assert quick_fetch(session, site.url("/")).text == "<p>direct</p>"


def test_dns_failure_is_reported(session: requests.Session,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    failing_dns(monkeypatch)
    with pytest.raises(FetchError, match="^DNS lookup failed for nosuch.invalid$") as caught:
        quick_fetch(session, "http://nosuch.invalid/")
    assert caught.value.reason == "dns"


def test_refused_connection_is_reported(session: requests.Session) -> None:
    with pytest.raises(FetchError, match="^127.0.0.1 refused the connection$") as caught:
        quick_fetch(session, "http://127.0.0.1:1/")
    assert caught.value.reason == "refused"
    assert caught.value.detail == "connection refused by 127.0.0.1:1"


def test_fetches_html_and_follows_same_site_redirects(session: requests.Session,
                                                       site: LoopbackSite) -> None:
    site.page("/old", "", status=301, Location="/new")
    site.page("/new", "<p>héllo</p>")
    result = quick_fetch(session, site.url("/old"))
    assert (result.status_code, result.is_html, result.text) == (200, True, "<p>héllo</p>")
    assert result.final_url == site.url("/new") and result.redirects == [site.url("/new")]
    assert result.truncated is False and result.bytes_read == len("<p>héllo</p>".encode())


def test_redirect_to_another_site_is_not_followed(session: requests.Session, site: LoopbackSite,
                                                  other_site: LoopbackSite) -> None:
    site.page("/", "", status=302, Location=other_site.url("/"))
    with pytest.raises(FetchError, match="redirects to another site") as caught:
        quick_fetch(session, site.url("/"))
    assert caught.value.reason == "offsite_redirect" and other_site.requests == []


def test_redirect_that_robots_txt_disallows_is_not_followed(session: requests.Session,
                                                            site: LoopbackSite) -> None:
    site.page("/old", "", status=301, Location="/private/x")
    site.page("/private/x", "<p>hidden</p>")
    with pytest.raises(FetchError, match=f"^{site.url('/old')} redirects to "
                       f"{site.url('/private/x')}, which robots.txt disallows$") as caught:
        quick_fetch(session, site.url("/old"), is_allowed=lambda url: "/private/" not in url)
    assert caught.value.reason == "robots" and site.requests == ["/old"]


def test_binary_bodies_are_read_raw_within_the_same_bounds(session: requests.Session,
                                                           site: LoopbackSite) -> None:
    data = bytes(range(256)) * 1000
    site.page("/s.xml.gz", data, content_type="application/gzip")
    site.page("/moved.gz", "", status=302, Location="/s.xml.gz")
    result = quick_fetch(session, site.url("/moved.gz"), accept_binary=True, max_bytes=10_000)
    assert (result.body, result.text, result.truncated) == (data[:10_000], None, True)
    assert result.final_url == site.url("/s.xml.gz")
    assert quick_fetch(session, site.url("/s.xml.gz")).body is None  # not asked for


def test_redirect_loop_is_detected(session: requests.Session, site: LoopbackSite) -> None:
    site.page("/a", "", status=302, Location="/b")
    site.page("/b", "", status=302, Location="/a")
    with pytest.raises(FetchError) as caught:
        quick_fetch(session, site.url("/a"))
    assert caught.value.reason == "redirect_loop" and len(site.requests) == 2


def test_redirect_chain_is_capped(session: requests.Session, site: LoopbackSite) -> None:
    for n in range(10):
        site.page(f"/r{n}", "", status=302, Location=f"/r{n + 1}")
    with pytest.raises(FetchError) as caught:
        quick_fetch(session, site.url("/r0"), max_redirects=3)
    assert caught.value.reason == "too_many_redirects" and len(site.requests) == 4


def _endless(handler: BaseHTTPRequestHandler, *, chunked: bool, site: LoopbackSite) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    if chunked:
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Content-Length", str(50 * MB))
    handler.end_headers()
    piece = b"<p>" + b"x" * 65_000 + b"</p>"
    sent = 0
    try:
        while sent < 50 * MB and not site.stopping.is_set():
            data = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            handler.wfile.write(data)
            sent += len(piece)
    except OSError:
        return  # the client hung up, as it should


@pytest.mark.parametrize("chunked", [False, True], ids=["50MB-page", "endless-chunked"])
def test_huge_bodies_are_cut_at_max_bytes(session: requests.Session, site: LoopbackSite,
                                          chunked: bool) -> None:
    site.handler("/big", lambda h: _endless(h, chunked=chunked, site=site))
    started = time.monotonic()
    tracemalloc.start()
    try:
        result = quick_fetch(session, site.url("/big"), max_bytes=200_000)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.truncated is True and result.bytes_read == 200_000
    assert len(result.text) == 200_000
    assert peak_bytes < 2_000_000  # a few copies of max_bytes, never the 50 MB body
    assert time.monotonic() - started < 2


def test_slow_drip_is_cut_at_the_deadline(session: requests.Session, site: LoopbackSite) -> None:
    site.handler("/drip", lambda h: drip_body(h, site))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        quick_fetch(session, site.url("/drip"), timeout_seconds=0.5, deadline_seconds=0.8)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 1.5


def _drip_headers(handler: BaseHTTPRequestHandler, site: LoopbackSite) -> None:
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        while not site.stopping.wait(0.05):
            handler.wfile.write(b"X-Slow: y\r\n")
            handler.wfile.flush()
    except OSError:
        return


def test_slow_header_drip_is_cut_at_the_deadline(session: requests.Session,
                                                 site: LoopbackSite) -> None:
    site.handler("/drip", lambda h: _drip_headers(h, site))
    started = time.monotonic()
    with pytest.raises(FetchError, match="exceeded its deadline") as caught:
        quick_fetch(session, site.url("/drip"), timeout_seconds=0.5, deadline_seconds=0.8)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 1.5


def test_silent_server_times_out(session: requests.Session, site: LoopbackSite) -> None:
    site.handler("/silent", lambda h: site.stopping.wait(5))
    with pytest.raises(FetchError) as caught:
        quick_fetch(session, site.url("/silent"), timeout_seconds=0.3)
    assert caught.value.reason == "timeout"


def test_binary_served_as_html_is_not_parsed(session: requests.Session,
                                             site: LoopbackSite) -> None:
    site.page("/fake.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, content_type="text/html")
    site.page("/nul.html", b"<html>" + b"\x00\x01\x02" * 100, content_type="text/html")
    for path in ("/fake.html", "/nul.html"):
        result = quick_fetch(session, site.url(path))
        assert (result.is_html, result.text) == (False, None)


def test_non_html_content_type_is_not_downloaded(session: requests.Session,
                                                 site: LoopbackSite) -> None:
    site.page("/doc", b"%PDF-1.4" + b"x" * 50_000, content_type="application/pdf")
    result = quick_fetch(session, site.url("/doc"))
    assert (result.is_html, result.text, result.bytes_read) == (False, None, 0)
    assert result.content_type == "application/pdf"


def test_untyped_body_is_sniffed(session: requests.Session, site: LoopbackSite) -> None:
    site.routes["/untyped"] = (200, {}, b"<!DOCTYPE html><html><body>ok</body></html>")
    result = quick_fetch(session, site.url("/untyped"))
    assert result.is_html and "ok" in result.text


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    ("<p>Grüße aus München</p>".encode("latin-1"), "text/html", "<p>Grüße aus München</p>"),
    ("<p>Café</p>".encode("latin-1"), "text/html; charset=ISO-8859-1", "<p>Café</p>"),
    ('<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251"), "text/html",
     '<meta charset="windows-1251"><p>Привет</p>'),
    ("<p>Zürich</p>".encode("utf-8-sig"), "text/html; charset=latin-1", "<p>Zürich</p>"),
    ("<p>€ 5</p>".encode(), "text/html", "<p>€ 5</p>"),
])
def test_decode_body_uses_header_meta_then_detection(body: bytes, content_type: str,
                                                     expected: str) -> None:
    assert decode_body(body, content_type) == expected


def test_latin1_page_without_charset(session: requests.Session, site: LoopbackSite) -> None:
    site.page("/", "<p>Schöne Grüße, Büro Köln: büro@beispiel.de</p>".encode("latin-1"),
              content_type="text/html")
    assert "Schöne Grüße, Büro Köln" in quick_fetch(session, site.url("/")).text


def test_retry_after_is_parsed(session: requests.Session, site: LoopbackSite) -> None:
    site.page("/", "slow down", status=429, **{"Retry-After": "7"})
    assert quick_fetch(session, site.url("/")).retry_after_seconds == 7
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None
