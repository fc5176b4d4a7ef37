"""Loopback test websites served by a threaded stdlib HTTP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# path -> (content type, body) or (status, content type, body)
PageSpec = tuple[str, str] | tuple[int, str, str | bytes]
# Called with the request path before the page is served; it may block (a hung page).
RequestHook = Callable[[str], None]


@dataclass
class TestSite:
    """A running loopback site: its base URL and the paths it was asked for."""

    __test__ = False
    url: str
    requests: list[str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    # Many scans connect at once in the process tests; the default backlog of 5 would drop
    # connection attempts and cost each a one-second SYN retry.
    request_queue_size = 128
    daemon_threads = True


def _handler(pages: dict[str, PageSpec], site: TestSite, latency_seconds: float,
             on_request: RequestHook | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            site.requests.append(self.path)
            if on_request is not None:
                on_request(self.path)
            if latency_seconds:
                time.sleep(latency_seconds)
            spec = pages.get(self.path.split("?", 1)[0]) or (404, "text/html", "<h1>Not found</h1>")
            status, content_type, body = spec if len(spec) == 3 else (200, *spec)
            data = body.encode("utf-8") if isinstance(body, str) else body
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timed out, or its process was killed)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_site(pages: dict[str, PageSpec], *, latency_seconds: float = 0.0,
               on_request: RequestHook | None = None) -> Iterator[TestSite]:
    """Serve pages on 127.0.0.1 at a free port for the duration of the block; each request
    first calls `on_request(path)` (if given), then waits `latency_seconds`."""
    site = TestSite(url="")
    server = _Server(("127.0.0.1", 0), _handler(pages, site, latency_seconds, on_request))
    site.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
