"""Serve a :class:`~benchmarks.sitegen.model.Site` on 127.0.0.1 (stdlib threaded HTTP server).

The site can be swapped while serving (``server.site = build_site(name, round=1)``) for a recrawl,
and every request is logged (``server.requests``: method, path, status).
"""
from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sitegen/1.0"

    def _serve(self, send_body: bool) -> None:
        srv = self.server
        host = self.headers.get("Host") or "%s:%d" % srv.server_address[:2]
        try:
            status, headers, body = srv.site.render(self.path, host)
        except Exception as exc:  # a template bug shows as a 500, never as a dropped connection
            status, headers, body = 500, {"Content-Type": "text/plain"}, f"internal error: {exc!r}".encode()
        with srv.lock:
            srv.requests.append((self.command, self.path, status))
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self._serve(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(False)

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site, port: int = 0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.site = site
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, int]] = []
        self.base_url = "http://127.0.0.1:%d" % self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "SiteServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def take_requests(self) -> list[tuple[str, str, int]]:
        with self.lock:
            out, self.requests = self.requests, []
        return out


@contextlib.contextmanager
def serve(site, port: int = 0):
    server = SiteServer(site, port).start()
    try:
        yield server
    finally:
        server.stop()
