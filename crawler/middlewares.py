"""Spider middleware that stores each article page's raw body as a blob before the item moves
on, so items carry a blob key instead of the bytes, and blobs land before the documents naming
them."""
from __future__ import annotations

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
