"""Loopback test websites served by a threaded stdlib HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# path -> (content type, body) or (status, content type, body)
PageSpec = tuple[str, str] | tuple[int, str, str | bytes]


@dataclass
class TestSite:
    """A running loopback site: its base URL and the paths it was asked for."""

    __test__ = False
    url: str
    requests: list[str] = field(default_factory=list)


def _handler(pages: dict[str, PageSpec], site: TestSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            site.requests.append(self.path)
            spec = pages.get(self.path.split("?", 1)[0]) or (404, "text/html", "<h1>Not found</h1>")
            status, content_type, body = spec if len(spec) == 3 else (200, *spec)
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_site(pages: dict[str, PageSpec]) -> Iterator[TestSite]:
    """Serve pages on 127.0.0.1 at a free port for the duration of the block."""
    site = TestSite(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages, site))
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
