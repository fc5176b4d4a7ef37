"""Generated loopback websites for bench/crawl.py: the part-1 site and the company site."""

from __future__ import annotations

import gzip
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOMAIN = "acme-bench.com"
ADDRESSES = frozenset({f"info@{DOMAIN}", f"sales@{DOMAIN}", f"maria.schulz@{DOMAIN}"})
SECTIONS = ("products", "services", "news", "blog", "events", "careers", "partners")
ITEMS_PER_SECTION = 30
HTML = "text/html; charset=utf-8"
Routes = dict[str, tuple[str, bytes]]  # path -> (content type, body)
PEOPLE = ("anna", "ben", "chen", "dora", "emil", "fay", "gus", "hana", "ivo")
COMPANY_ADDRESSES = frozenset(f"{name}@{DOMAIN}" for name in (
    "info", "owner", "dpo", "berlin", "jobs", "press", *PEOPLE))
DEEP_PAGE = "/about/locations/europe/berlin/"  # four links deep, in no sitemap
PRIVATE_PAGE = "/private/internal/"  # robots.txt disallows it
LOREM = "<p>Lorem ipsum dolor sit amet.</p>" * 20


def _html(links: list[tuple[str, str]], body: str = "") -> str:
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f"<!doctype html><html><head><title>Acme</title></head><body>{body}"
            f"<ul>{anchors}</ul><footer>Acme Ltd, Main Street 1</footer></body></html>")


def build_site() -> dict[str, str]:
    """Return path -> HTML of the generated site (plus robots.txt and sitemap.xml)."""
    pages = {"/": _html([(f"/{s}", s.title()) for s in SECTIONS] + [("/about", "About us")],
                        body=f"<p>Questions? info@{DOMAIN}</p>")}
    for section in SECTIONS:
        items = [(f"/{section}/item-{i}", f"{section} item {i}") for i in range(ITEMS_PER_SECTION)]
        pages[f"/{section}"] = _html(items + [("/", "Home")])
        for i in range(ITEMS_PER_SECTION):
            siblings = [(f"/{section}/item-{(i + k) % ITEMS_PER_SECTION}", "More")
                        for k in (1, 2, 3)]
            pages[f"/{section}/item-{i}"] = _html(siblings + [(f"/{section}", "Back")], body=LOREM)
    pages["/about"] = _html([("/about/history", "History"), ("/about/offices", "Our offices"),
                             ("/about/press", "Press")])
    pages["/about/history"] = _html([("/about", "Back")], body="<p>Founded 1901.</p>")
    pages["/about/press"] = _html([("/about", "Back")], body="<p>Press kit.</p>")
    pages["/about/offices"] = _html([("/about/offices/berlin", "Berlin"),
                                     ("/about/offices/contact", "Contact")])
    pages["/about/offices/berlin"] = _html([("/about/offices", "Back")])
    pages["/about/offices/contact"] = _html([("/", "Home")], body=(
        f"<p>Sales: sales@{DOMAIN}</p><p>Maria Schulz: maria.schulz@{DOMAIN}</p>"))
    return pages


def bench_routes(pages: dict[str, str], sitemap: bool) -> Callable[[str], Routes]:
    """Return a builder of the part-1 site's routes (they name the base URL)."""
    def build(base: str) -> Routes:
        routes = {path: (HTML, body.encode()) for path, body in pages.items()}
        robots = "User-agent: *\nAllow: /\n" + (f"Sitemap: {base}/sitemap.xml\n" if sitemap else "")
        routes["/robots.txt"] = ("text/plain", robots.encode())
        if sitemap:
            routes["/sitemap.xml"] = ("application/xml", _urlset(base, list(pages)).encode())
        return routes

    return build


def _urlset(base: str, paths: list[str]) -> str:
    return "<urlset>" + "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths) + "</urlset>"


def company_pages(products: int) -> dict[str, str]:
    """Return path -> HTML of the 40-page company site with `products` more pages."""
    def mail(name: str) -> str:
        return f"<p>{name}@{DOMAIN}</p>"

    nav = ["/about/", "/team/", "/news/", "/services/", "/products/", "/contact/", "/imprint/",
           "/privacy/", "https://partner.example/", "/private/internal/"]
    pages = {
        "/": _html([(path, path.strip("/").title()) for path in nav]),
        "/contact/": _html([], mail("info")), "/imprint/": _html([], mail("owner")),
        "/privacy/": _html([], "<p>Data protection officer:</p>" + mail("dpo")),
        "/about/": _html([("/about/history/", "History"), ("/about/locations/", "Locations")]),
        "/about/history/": _html([]),
        "/about/locations/": _html([("/about/locations/europe/", "Europe")]),
        "/about/locations/europe/": _html([(DEEP_PAGE, "Berlin")]),
        DEEP_PAGE: _html([], mail("berlin")),
        "/careers/jobs/": _html([], mail("jobs")), PRIVATE_PAGE: _html([], mail("hidden")),
        "/services/": _html([(f"/services/s-{n}/", f"Service {n}") for n in range(4)]),
        "/products/": _html([(f"/products/p-{n}/", f"Product {n}") for n in range(products)]),
    }
    for listing, entries, next_text in (("/team/", PEOPLE, "Next ›"),
                                        ("/news/", [f"article-{n}" for n in range(9)], "2")):
        for number in (1, 2, 3):
            links = [(f"{listing}{entry}/", entry) for entry in entries[number * 3 - 3:number * 3]]
            links += [(f"{listing}page/{number + 1}/", next_text)] if number < 3 else []
            pages[listing if number == 1 else f"{listing}page/{number}/"] = _html(links)
    pages.update({f"/team/{name}/": _html([], mail(name)) for name in PEOPLE})
    pages.update({f"/news/article-{n}/": _html([], mail("press") * (n == 4)) for n in range(9)})
    pages.update({f"/services/s-{n}/": _html([]) for n in range(4)})
    pages.update({f"/products/p-{n}/": _html([], LOREM) for n in range(products)})
    return pages


def company_routes(pages: dict[str, str]) -> Callable[[str], Routes]:
    """Return a builder of the company site's routes: robots.txt, a sitemap index, a .gz."""
    def build(base: str) -> Routes:
        routes = {path: (HTML, body.encode()) for path, body in pages.items()}
        listed = [path for path in pages if path not in (PRIVATE_PAGE, DEEP_PAGE)]
        robots = f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml\n"
        routes["/robots.txt"] = ("text/plain", robots.encode())
        routes["/sitemap_index.xml"] = ("application/xml", (
            f"<sitemapindex><sitemap><loc>{base}/pages.xml.gz</loc></sitemap></sitemapindex>"
        ).encode())
        gzipped = gzip.compress(_urlset(base, listed).encode())
        routes["/pages.xml.gz"] = ("application/gzip", gzipped)
        return routes

    return build


@contextmanager
def serve(build: Callable[[str], Routes],
          latency_ms: tuple[int, int]) -> Iterator[tuple[str, list[str]]]:
    """Serve routes on loopback with random per-request latency; yield (base URL, paths asked)."""
    rng, lock, asked, routes = random.Random(7), threading.Lock(), [], {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            with lock:
                delay = rng.uniform(*latency_ms) / 1000
                asked.append(self.path)
            time.sleep(delay)
            status, (content_type, data) = 200, routes.get(self.path.split("?", 1)[0], (None, b""))
            if content_type is None:
                status, content_type, data = 404, HTML, b"<h1>Not found</h1>"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    routes.update(build(base))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield base, asked
    finally:
        server.shutdown()
        server.server_close()
