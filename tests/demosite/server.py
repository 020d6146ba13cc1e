"""Serve a :class:`DemoSite` over real HTTP on 127.0.0.1 (stdlib only)."""

from __future__ import annotations

import contextlib
import hashlib
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

from .generate import DemoSite


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoSite/1.0"
    sys_version = ""
    server: "_DemoHTTPServer"

    def version_string(self) -> str:
        return self.server_version

    def _serve(self, send_body: bool) -> None:
        srv = self.server
        entry = srv.record(self.command, self.path, self.headers.get("User-Agent", ""),
                           if_none_match=self.headers.get("If-None-Match"),
                           if_modified_since=self.headers.get("If-Modified-Since"))
        host = self.headers.get("Host") or f"127.0.0.1:{srv.server_address[1]}"
        try:
            status, headers, chunks = srv.site.stream(self.path, host)
        except Exception as exc:  # never let a rendering bug kill the connection silently
            body = f"internal error: {exc!r}".encode()
            status, headers, chunks = 500, {"Content-Type": "text/plain",
                                            "Content-Length": str(len(body))}, [body]
        if status == 200 and isinstance(chunks, list) and srv.validators:
            status, headers, chunks = srv.conditional(self.headers, headers, chunks)
        entry["status"] = status
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if send_body:
                for chunk in chunks:
                    self.wfile.write(chunk)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self._serve(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, site: DemoSite, verbose: bool = False, validators: bool = True):
        super().__init__(addr, _Handler)
        self.site = site
        self.verbose = verbose
        self.validators = validators
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.request_log: list[dict] = []
        self._first_served: dict[str, float] = {}   # ETag -> when that body was first served

    def record(self, method: str, path: str, user_agent: str, **headers) -> dict:
        entry = {"method": method, "path": path, "user_agent": user_agent,
                 **{k: v for k, v in headers.items() if v is not None}}
        with self.lock:
            self.requests.append(path)
            self.request_log.append(entry)
        return entry

    def conditional(self, request_headers, headers: dict, chunks: list[bytes]):
        """HTTP validators as a static file server gives them: an ETag from the body's digest,
        Last-Modified from when that body was first served; 304 when the request's
        If-None-Match matches (or, without it, If-Modified-Since is not older)."""
        body = b"".join(chunks)
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        with self.lock:
            first = self._first_served.setdefault(etag, int(time.time()) - 1)
        headers = {**headers, "ETag": etag, "Last-Modified": formatdate(first, usegmt=True)}
        inm, ims = request_headers.get("If-None-Match"), request_headers.get("If-Modified-Since")
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        elif ims is not None:
            try:
                fresh = parsedate_to_datetime(ims).timestamp() >= first
            except (TypeError, ValueError):
                fresh = False
        else:
            fresh = False
        if fresh:
            keep = {k: v for k, v in headers.items() if k in ("ETag", "Last-Modified")}
            return 304, {**keep, "Content-Length": "0"}, []
        return 200, headers, [body]

    def handle_error(self, request, client_address) -> None:
        if self.verbose:
            super().handle_error(request, client_address)


class DemoServer:
    """A running demo server.

    ``base_url``  "http://127.0.0.1:PORT"
    ``requests``  request paths (with query) in arrival order (GET and HEAD)
    ``request_log`` dicts {"method","path","user_agent","status"} in arrival order, with
                  "if_none_match" / "if_modified_since" when the request was conditional
    ``site``      the DemoSite being served; assign another one (e.g. variant 1)
                  to change the content under the same URL (recrawl tests).
    """

    def __init__(self, httpd: _DemoHTTPServer, thread: threading.Thread):
        self._httpd = httpd
        self._thread = thread
        self.host, self.port = httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"

    @property
    def site(self) -> DemoSite:
        return self._httpd.site

    @site.setter
    def site(self, value: DemoSite) -> None:
        self._httpd.site = value

    @property
    def requests(self) -> list[str]:
        return self._httpd.requests

    @property
    def request_log(self) -> list[dict]:
        return self._httpd.request_log

    def url(self, path: str) -> str:
        return self.base_url + path

    def clear_requests(self) -> None:
        with self._httpd.lock:
            self._httpd.requests.clear()
            self._httpd.request_log.clear()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def start(site: DemoSite, port: int = 0, host: str = "127.0.0.1",
          verbose: bool = False, validators: bool = True) -> DemoServer:
    """Start serving in a daemon thread; call ``.stop()`` when done. ``validators``: send ETag
    and Last-Modified with pages and answer conditional requests with 304."""
    httpd = _DemoHTTPServer((host, port), site, verbose=verbose, validators=validators)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"demosite-{httpd.server_address[1]}", daemon=True)
    thread.start()
    return DemoServer(httpd, thread)


@contextlib.contextmanager
def serve(site: DemoSite, port: int = 0, host: str = "127.0.0.1",
          verbose: bool = False, validators: bool = True) -> Iterator[DemoServer]:
    """Context manager: serve ``site`` on ``host:port`` (0 = free port)."""
    server = start(site, port=port, host=host, verbose=verbose, validators=validators)
    try:
        yield server
    finally:
        server.stop()
