"""Loopback websites for the fetcher and crawler tests, including hostile ones."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from scrapersky.scraping import crawling
from scrapersky.scraping.crawling import CrawledPage, CrawlLimits, PageAnalyser, SiteCrawler
from scrapersky.scraping.emails import analyse_html
from scrapersky.scraping.fetching import FetchResult, build_session, fetch

_real_getaddrinfo = socket.getaddrinfo
USER_AGENT = "ScraperSkyTest/1.0 (+https://scrapersky.test/bot)"
FAST = {"request_timeout_seconds": 1.0, "wall_time_seconds": 10.0}
# A route answers a request: (status, headers, body) or a callable writing the response.
Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


@dataclass
class LoopbackSite:
    """A running loopback site: routes by path (query ignored unless routed with one)."""

    __test__ = False
    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/") -> str:
        """Return the absolute URL of a path on this site."""
        return self.base_url + path.lstrip("/")

    def page(self, path: str, body: str | bytes, *, status: int = 200,
             content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        """Serve a fixed body at path."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, data)

    def handler(self, path: str, respond: Callable[[BaseHTTPRequestHandler], None]) -> None:
        """Serve path with a callable that writes the whole response."""
        self.routes[path] = respond


def _handler_class(site: LoopbackSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            site.requests.append(self.path)
            route = site.routes.get(self.path) or site.routes.get(self.path.split("?", 1)[0])
            if route is None:
                route = site.routes.get("*", (404, {"Content-Type": "text/html"}, b"<h1>404</h1>"))
            if callable(route):
                route(self)
                return
            status, headers, body = route
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-response is what the hostile tests are about."""


@contextmanager
def serve_loopback(tls: ssl.SSLContext | None = None) -> Iterator[LoopbackSite]:
    """Run an empty loopback site on 127.0.0.1 (HTTPS with tls) for the block's duration."""
    site = LoopbackSite()
    server = _QuietServer(("127.0.0.1", 0), _handler_class(site))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    site.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    """An empty loopback site; add routes with .page() and .handler()."""
    with serve_loopback() as served:
        yield served


@pytest.fixture
def other_site() -> Iterator[LoopbackSite]:
    """A second loopback site (another port, so another site)."""
    with serve_loopback() as served:
        yield served


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """A fetching session that may reach loopback servers."""
    session = build_session(user_agent=USER_AGENT, allow_private_networks=True)
    yield session
    session.close()


@pytest.fixture
def guarded_session() -> Iterator[requests.Session]:
    """A fetching session with the SSRF guard on, as in production."""
    session = build_session(user_agent=USER_AGENT, allow_private_networks=False)
    yield session
    session.close()


def html_page(*links: str, body: str = "") -> str:
    """Return a small HTML page with anchors given as 'href|text' (or just href)."""
    anchors = "".join(
        f'<a href="{link.split("|")[0]}">{link.split("|")[-1]}</a>\n' for link in links)
    head = "<!doctype html><html><head><title>t</title></head>"
    return f"{head}<body>{body}\n{anchors}</body></html>"


def send_body(handler: BaseHTTPRequestHandler, body: str,
              content_type: str = "text/html") -> None:
    """Answer 200 with a whole body (for handlers that make their pages as they go)."""
    data = body.encode()
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def failing_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every host name lookup fail as an unknown name does."""
    def fail(*_args: object, **_kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)


def drip_body(handler: BaseHTTPRequestHandler, site: LoopbackSite,
              content_length: int = 100_000) -> None:
    """Answer 200 with headers at once, then one body byte every 50 ms until the site stops."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(content_length))
    handler.end_headers()
    try:
        while not site.stopping.wait(0.05):
            handler.wfile.write(b"x")
            handler.wfile.flush()
    except OSError:
        return


def fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[str]:
    """Resolve the host names in table to the given addresses in turn; log lookups."""
    lookups: list[str] = []

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host not in table:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        address = table[host][min(len(lookups), len(table[host])) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[LoopbackSite, str, list]]:
    """An HTTPS loopback site with a self-signed certificate for 'localhost' only.

    Yields (site, certificate path, server names the clients sent by SNI).
    """
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server_names: list = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    with serve_loopback(context) as served:
        yield served, str(cert), server_names


@pytest.fixture
def no_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep request logs exact: only the probe test probes well-known paths."""
    monkeypatch.setattr(crawling, "WELL_KNOWN_PROBES", ())


def new_crawler(session: requests.Session, url: str, *, analyser: PageAnalyser = analyse_html,
                **limits: object) -> SiteCrawler:
    """Return a crawler with the tests' short time budgets unless told otherwise."""
    return SiteCrawler(session, url, CrawlLimits(**{**FAST, **limits}), user_agent=USER_AGENT,
                       analyser=analyser)


def crawl(session: requests.Session, url: str, **options: object) -> tuple[SiteCrawler,
                                                                           list[CrawledPage]]:
    """Crawl a site to the end; return the crawler (for its stats) and the pages."""
    crawler = new_crawler(session, url, **options)
    return crawler, list(crawler.crawl())


def paths(site: LoopbackSite) -> list[str]:
    return [path for path in site.requests if path not in ("/robots.txt", "/sitemap.xml")]


def emails(pages: list[CrawledPage]) -> set[str]:
    return {finding.email for page in pages for finding in page.findings}


def quick_fetch(session: requests.Session, url: str, **kwargs: object) -> FetchResult:
    """Fetch with the tests' short timeout and 100 kB cap unless told otherwise."""
    options = {"timeout_seconds": 2.0, "max_bytes": 100_000, **kwargs}
    return fetch(session, url, **options)
