"""A real HTTP proxy on 127.0.0.1 in front of SeaweedFS that misbehaves on purpose.

SeaweedFS honours conditional writes and cannot be told not to, so a store that ignores them is
faked here: with ``ignore_conditions`` set, the proxy drops ``If-None-Match`` / ``If-Match`` from
each request and signs it again (SigV4, with the test's credentials) before forwarding it, so the
write lands unconditionally, as on a service that ignores the headers. With ``fail`` set (a
predicate on method and path), it answers those requests with ``error`` itself (``500
InternalError`` unless told otherwise); with ``fail_next`` set, the next that many requests.
Everything else is forwarded untouched.
"""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SLOWDOWN = (503, b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
            b"<Message>Please reduce your request rate.</Message></Error>")
ERROR = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
         b"<Message>We encountered an internal error. Please try again.</Message></Error>")
_CONDITIONS = ("if-none-match", "if-match")
_RESIGNED = ("authorization", "x-amz-date", "x-amz-security-token", "host") + _CONDITIONS


class _S3Auth(SigV4Auth):
    def _normalize_url_path(self, path):   # S3 signs the path as sent
        return path


class MisbehavingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, seaweed):
        self.upstream = seaweed.endpoint.split("//", 1)[1]
        self.credentials = Credentials(seaweed.access_key, seaweed.secret_key)
        self.region = seaweed.region
        self.ignore_conditions = False
        self.fail = None                 # callable(method, path) -> bool
        self.fail_next = 0               # answer ``error`` to this many requests
        self.error = (500, ERROR)        # (status, XML body) of an injected failure
        self.conditions_dropped = 0
        self.failed = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _any(self):
        srv = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with srv.lock:
            fail = srv.fail_next > 0 or (srv.fail is not None and srv.fail(self.command, self.path))
            if fail:
                srv.fail_next = max(0, srv.fail_next - 1)
                srv.failed += 1
        if fail:
            status, error = srv.error
            self._reply(status, [("Content-Type", "application/xml")], error)
            return
        headers = dict(self.headers)
        if srv.ignore_conditions and any(k.lower() in _CONDITIONS for k in headers):
            with srv.lock:
                srv.conditions_dropped += 1
            kept = {k: v for k, v in headers.items() if k.lower() not in _RESIGNED}
            request = AWSRequest(method=self.command, url=f"http://{srv.upstream}{self.path}", data=body,
                                 headers=kept)
            _S3Auth(srv.credentials, "s3", srv.region).add_auth(request)
            headers = dict(request.headers.items())
            headers["Host"] = srv.upstream
        conn = http.client.HTTPConnection(srv.upstream, timeout=30)
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self._reply(resp.status, resp.getheaders(), data)
        conn.close()

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _any
