"""Middlewares.

SnapshotMiddleware (spider middleware) stores each article page's raw body as a blob before the item moves
on, so items carry a blob key instead of the bytes, and blobs land before the documents naming
them."""
from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.items import ArticlePage


class SnapshotMiddleware:
    def __init__(self, session_provider):
        self._session = session_provider

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.pipelines import session_for
        return cls(lambda: session_for(crawler))

    async def process_spider_output(self, response, result):
        async for item in result:
            if isinstance(item, ArticlePage):
                session = self._session()
                ref = await maybe_deferred_to_future(deferToThread(session.store_snapshot, response.body))
                item.blob, item.body_sha256, item.body_size = ref.key, ref.sha256, ref.size
            yield item


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, plus: a redirect back to a URL already in the chain is a loop. It is
    dropped with an error the request's errback counts, instead of silently by the dupefilter."""

    def process_response(self, request, response, spider=None):
        result = super().process_response(request, response, spider)
        if isinstance(result, Request) and result is not request:
            chain = [*request.meta.get("redirect_urls", ()), request.url]
            if result.url in chain:
                raise IgnoreRequest(f"redirect loop: {' -> '.join(chain)} -> {result.url}")
        return result
