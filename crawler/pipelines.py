"""The pipeline that files article pages into the archive (``archive.session``), off the
reactor thread, and writes the crawl report when the spider closes."""
from __future__ import annotations

import logging
import weakref

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from archive.archive import Archive
from archive.session import CrawlSession
from archive.store import StoreError

logger = logging.getLogger(__name__)

_sessions: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

# Settings worth keeping in the crawl report (never credentials).
REPORTED_SETTINGS = ("ARCHIVE_URI", "USER_AGENT", "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "DOWNLOAD_DELAY",
                     "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_MAXSIZE", "DEPTH_LIMIT",
                     "CLOSESPIDER_PAGECOUNT", "RETRY_TIMES", "JOBDIR")
# Scrapy stats copied into the crawl report, by prefix.
REPORTED_STATS = ("archive/", "downloader/response_count", "downloader/response_bytes",
                  "downloader/response_status_count/", "downloader/exception_type_count/",
                  "response_received_count", "retry/", "robotstxt/", "httperror/", "item_scraped_count",
                  "item_dropped_count", "log_count/ERROR", "dupefilter/filtered", "offsite/filtered",
                  "request_depth_max")


def session_for(crawler) -> CrawlSession:
    """The crawl session of a crawler, opened on first use (fails early if the store is unusable)."""
    session = _sessions.get(crawler)
    if session is None:
        uri = crawler.settings.get("ARCHIVE_URI")
        archive = Archive.open(uri, create=True)
        settings = {name: crawler.settings.get(name) for name in REPORTED_SETTINGS}
        spider_name = getattr(crawler.spidercls, "name", None)
        session = _sessions[crawler] = CrawlSession(archive, spider=spider_name, settings=settings)
        logger.info("Archiving into %s (crawl %s)", archive.uri, session.crawl_id)
    return session


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.session = session_for(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        try:
            return cls(crawler)
        except StoreError as exc:
            # Scrapy stops before any request is made and `scrapy crawl` exits with status 1.
            logger.error("Cannot open archive %s: %s", crawler.settings.get("ARCHIVE_URI"), exc)
            raise RuntimeError(f"cannot open archive: {exc}") from None

    async def process_item(self, item, spider=None):
        page = ItemAdapter(item).asdict()
        if not page.get("blob"):
            raise DropItem(f"article page without a stored snapshot: {page.get('url')}")
        await maybe_deferred_to_future(deferToThread(self.session.ingest, page))
        return item

    async def close_spider(self, spider=None):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                 if isinstance(v, (int, float, str)) and k.startswith(REPORTED_STATS)}
        reason = getattr(self.crawler.engine, "_close_reason", None) or "finished"
        report = await maybe_deferred_to_future(deferToThread(self.session.finish, stats, reason=reason))
        logger.info(format_summary(report))


def format_summary(report: dict) -> str:
    c = report["counts"]
    skipped = {k.split("/", 2)[2]: v for k, v in c.items() if k.startswith("archive/skipped/")}
    errors = {k.split("/", 2)[2]: v for k, v in c.items() if k.startswith("archive/error/")}
    decisions = {a: c.get(f"archive/decision/{a}", 0) for a in ("new", "version", "alias", "unchanged")}
    return (f"Crawl {report['crawl_id']} into {report['archive']}: "
            f"{c.get('archive/pages', 0)} pages, {c.get('archive/articles', 0)} articles "
            f"({', '.join(f'{k} {v}' for k, v in decisions.items())}), "
            f"skipped {sum(skipped.values())} {dict(sorted(skipped.items()))}, "
            f"errors {sum(errors.values())} {dict(sorted(errors.items()))}, "
            f"{c.get('archive/blobs_new', 0)} new blobs, {c.get('archive/bytes_stored', 0)} bytes stored, "
            f"{report['elapsed_seconds']:.1f}s")
