"""Conditional requests for article URLs fetched before (downloader middleware).

A request for a URL the archive holds validators for (``archive.validators``: ETag and
Last-Modified of an article page an earlier crawl filed) is sent with ``If-None-Match`` /
``If-Modified-Since``, and a ``304 Not Modified`` answer reaches the spider instead of being
dropped as an HTTP error. Home, section and listing pages are never filed as articles, so they
have no validators and are always fetched in full: they are how new articles are found.
A known article whose sitemap ``<lastmod>`` predates our last fetch of it is not revalidated
(only a page that links to it asks for it, conditionally).
"""
from __future__ import annotations

from scrapy.exceptions import IgnoreRequest

from archive.validators import conditional_headers


class ConditionalRequestMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if request.method != "GET" or b"If-None-Match" in request.headers or request.meta.get("unconditional"):
            return None
        spider = spider or getattr(self.crawler, "spider", None)
        if request.meta.get("revalidate") and request.url in getattr(spider, "sitemap_unchanged", ()):
            request.meta["sitemap_unchanged"] = True
            raise IgnoreRequest(f"unchanged since the last fetch (sitemap lastmod): {request.url}")
        session = getattr(self.crawler, "archive_session", None)   # set by the archive pipeline
        headers = conditional_headers(session.validator(request.url)) if session else {}
        if not headers:
            return None
        for name, value in headers.items():
            request.headers[name] = value
        allowed = list(request.meta.get("handle_httpstatus_list", ()))
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        request.meta["conditional"] = True
        self.crawler.stats.inc_value("archive/conditional_requests")
        return None
