"""Middlewares.

WarcCaptureMiddleware (downloader middleware) records every exchange in the crawl's WARC file as
it crossed the wire, before HttpCompressionMiddleware decodes the body: redirects, robots.txt,
sitemaps, feeds, listings, errors, articles. SnapshotMiddleware (spider middleware) hands each
article page's decoded body to the archive session (local spool) before the item moves on, so
items carry the body's digest, blob key and WARC record instead of the bytes."""
from __future__ import annotations

from datetime import datetime, timezone

from scrapy import Request
from scrapy.http import Response
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from archive.warc import WarcRef
from crawler.items import ArticlePage
from crawler.signals import page_done, request_urls


class SnapshotMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output(self, response, result):
        from crawler.extension import archive_of
        articles = 0
        async for item in result:
            if isinstance(item, ArticlePage):
                articles += 1
                archiver = archive_of(self.crawler)
                session = archiver.session
                recorded = response.request.meta.get("warc_record") if response.request else None
                try:
                    if recorded and recorded.get("url") == response.url:   # by WarcCaptureMiddleware
                        warc = WarcRef(recorded["file"], recorded["offset"], recorded["length"])
                        # Here, not in the I/O threads: a local spool write (no store), cheaper
                        # than the two thread hand-offs it took (a py-spy profile of a crawl).
                        snap = session.store_snapshot(response.body, url=response.url, fetched_at=item.fetched_at,
                                                      warc=warc)
                    else:   # not seen by the capture middleware (switched off): a record of the decoded body
                        snap = await archiver.run(
                            session.store_snapshot, response.body, url=response.url, fetched_at=item.fetched_at,
                            status=response.status,
                            response_headers=_headers(response.headers, len(response.body)),
                            request_headers=_headers(response.request.headers))
                except BaseException:
                    archiver.release(item.seq)   # the pages after it in the filing order go on
                    raise
                item.blob, item.body_sha256, item.body_size = snap.blob, snap.sha256, snap.size
                item.warc = None if snap.warc is None else {"file": snap.warc.file, "offset": snap.warc.offset,
                                                            "length": snap.warc.length}
            yield item
        if not articles and isinstance(response, Response):
            # Nothing to file: the page is done once its links are scheduled.
            self.crawler.signals.send_catch_log(page_done, urls=request_urls(response.request), links=True)


# Past HttpCompressionMiddleware the body is decoded; a record of it says so instead of replaying
# a stale encoding (only when WarcCaptureMiddleware is switched off).
_DROPPED_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


def _headers(headers, body_length: int | None = None) -> list[tuple[str, str]]:
    out = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items()
           if body_length is None or k.lower() not in _DROPPED_HEADERS for v in values]
    if body_length is not None:
        out.append(("Content-Length", str(body_length)))
    return out


def _dechunked(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """Twisted removes the chunked transfer coding, so the recorded payload is the de-chunked
    body: the header that announced it is kept under another name, or every WARC reader would
    try to de-chunk the payload again."""
    if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
        return b"X-Archive-Orig-" + name, value
    return name, value


def _utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcCaptureMiddleware:
    """Records each HTTP exchange in the crawl's WARC file as it crossed the wire.

    Placed after every middleware that changes the request (cookies, proxy, user agent) and
    before HttpCompressionMiddleware, so it sees the request as sent and the response as
    received: the transferred payload (gzip and br stay encoded), and with
    :class:`crawler.wire.WireHTTPDownloadHandler` the status line and header lines exactly as
    received and the request headers exactly as written. Credentials never reach the record
    (archive.warc drops them). Responses from the HTTP cache are not recorded again.
    The record's place is left in ``request.meta["warc_record"]`` for the article's document.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response, spider=None):
        if not response.url.startswith(("http://", "https://")) or "cached" in response.flags:
            return response
        from crawler.extension import archive_of
        archiver = archive_of(self.crawler)
        if archiver is None:
            return response
        wire = request.meta.pop("wire", None)
        exchange = _exchange(request, response, wire)
        if response.status == 304 and request.meta.get("conditional"):
            # Recorded by the archive session as a server-not-modified revisit (archive.validators).
            request.meta["not_modified_exchange"] = {k: v for k, v in exchange.items() if k != "body"}
            return response
        ref = await archiver.run(archiver.session.warc.write, **exchange)
        request.meta["warc_record"] = {"url": response.url, "file": ref.file, "offset": ref.offset,
                                       "length": ref.length}
        self.crawler.stats.inc_value("archive/warc/records")
        return response


def _exchange(request, response, wire) -> dict:
    """What WarcWriter.write needs, from the wire when the handler kept it, else from Scrapy."""
    if wire and wire.get("status_line"):
        protocol, _, rest = wire["status_line"].partition(b" ")
        _, _, reason = rest.partition(b" ")
        response_headers = [_dechunked(k, v) for k, v in wire["headers"]]
        if wire.get("request_headers") is not None:
            method = wire["request_line"].split(b" ", 1)[0].decode("ascii")
            request_headers = list(wire["request_headers"])
        else:
            method, request_headers = request.method, _headers(request.headers)
        protocol = protocol.decode("latin-1")
    else:   # Scrapy's Response: no reason phrase, Scrapy's header names
        protocol = response.protocol or "HTTP/1.1"
        reason = None
        response_headers = _headers(response.headers)
        method, request_headers = request.method, _headers(request.headers)
    return dict(url=response.url, fetched_at=_utcnow(), status=response.status, reason=reason,
                protocol=protocol, response_headers=response_headers, request_headers=request_headers,
                body=response.body, method=method,
                ip_address=str(response.ip_address) if response.ip_address else None)


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, plus: a redirect back to a URL already in the chain is a loop. It is
    dropped with an error the request's errback counts, instead of silently by the dupefilter."""

    def process_response(self, request, response, spider=None):
        result = super().process_response(request, response, spider)
        if isinstance(result, Request) and result is not request:
            chain = request_urls(request)
            if result.url in chain:
                raise IgnoreRequest(f"redirect loop: {' -> '.join(chain)} -> {result.url}")
        return result
