"""Middlewares.

SnapshotMiddleware (spider middleware) hands each article page's raw body to the archive session
(local spool and WARC record) before the item moves on, so items carry the body's digest and
blob key instead of the bytes."""
from __future__ import annotations

from scrapy import Request
from scrapy.http import Response
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.items import ArticlePage
from crawler.signals import page_done, request_urls


class SnapshotMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output(self, response, result):
        from crawler.pipelines import runtime_for, session_for
        articles = 0
        async for item in result:
            if isinstance(item, ArticlePage):
                articles += 1
                session = session_for(self.crawler)
                snap = await runtime_for(self.crawler).run(
                    session.store_snapshot, response.body, url=response.url, fetched_at=item.fetched_at,
                    status=response.status, response_headers=_headers(response.headers, len(response.body)),
                    request_headers=_headers(response.request.headers))
                item.blob, item.body_sha256, item.body_size = snap.blob, snap.sha256, snap.size
                item.warc = None if snap.warc is None else {"file": snap.warc.file, "offset": snap.warc.offset,
                                                            "length": snap.warc.length}
            yield item
        if not articles and isinstance(response, Response):
            # Nothing to file: the page is done once its links are scheduled.
            self.crawler.signals.send_catch_log(page_done, urls=request_urls(response.request))


# Scrapy hands over the body decoded; the WARC record says so instead of replaying a stale encoding.
_DROPPED_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


def _headers(headers, body_length: int | None = None) -> list[tuple[str, str]]:
    out = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items()
           if body_length is None or k.lower() not in _DROPPED_HEADERS for v in values]
    if body_length is not None:
        out.append(("Content-Length", str(body_length)))
    return out


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
