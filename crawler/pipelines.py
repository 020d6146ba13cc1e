"""The pipeline that files article pages into the archive (``archive.session``), in a bounded
pool of threads off the reactor, and writes the crawl report when the spider closes."""
from __future__ import annotations

import logging
import os
import weakref

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from archive.archive import Archive
from archive.crawls import failed, fetched_pages
from archive.report import new_crawl_id
from archive.session import CrawlSession
from archive.spool import SpoolBusy, default_spool
from archive.store import StoreError
from crawler.items import NotModifiedPage
from crawler.signals import page_done

logger = logging.getLogger(__name__)

# Settings worth keeping in the crawl report (never credentials).
REPORTED_SETTINGS = ("ARCHIVE_URI", "USER_AGENT", "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "DOWNLOAD_DELAY",
                     "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_MAXSIZE", "DEPTH_LIMIT",
                     "CLOSESPIDER_PAGECOUNT", "RETRY_TIMES", "JOBDIR", "ARCHIVE_THREADS", "AWS_ENDPOINT_URL",
                     "AWS_REGION_NAME", "ARCHIVE_SPOOL_DIR")
# Scrapy stats copied into the crawl report, by prefix.
REPORTED_STATS = ("archive/", "downloader/response_count", "downloader/response_bytes",
                  "downloader/response_status_count/", "downloader/exception_type_count/",
                  "response_received_count", "retry/", "robotstxt/", "httperror/", "item_scraped_count",
                  "item_dropped_count", "log_count/ERROR", "dupefilter/filtered", "offsite/filtered",
                  "request_depth_max")


class ArchiveRuntime:
    """A crawl's session and the thread pool its blocking store I/O runs in."""

    def __init__(self, crawler):
        settings = crawler.settings
        uri = settings.get("ARCHIVE_URI")
        options = {}
        if str(uri).startswith("s3://"):
            from archive.s3store import s3_options_from_settings
            options = s3_options_from_settings(settings)
            options["max_pool_connections"] = settings.getint("ARCHIVE_THREADS") + 2
        archive = Archive.open(uri, create=True, **options)
        crawl_id = new_crawl_id()
        spool = default_spool(settings, crawl_id)
        self.own_spool = not (settings.get("ARCHIVE_SPOOL_DIR") or settings.get("JOBDIR"))
        signals = crawler.signals
        self.session = CrawlSession(
            archive, crawl_id=crawl_id, spider=getattr(crawler.spidercls, "name", None),
            settings={name: settings.get(name) for name in REPORTED_SETTINGS},
            spool_dir=spool, warmup_pages=settings.getint("ARCHIVE_WARMUP_PAGES"),
            index_flush_every=settings.getint("ARCHIVE_INDEX_FLUSH_EVERY"), warc_max_size=settings.getint("ARCHIVE_WARC_MAX_SIZE"),
            software=f"{settings.get('BOT_NAME')}/{settings.get('BOT_VERSION')}",
            job=getattr(crawler.spider, "job", None) if getattr(crawler, "spider", None) else None,
            warc_info={"operator": settings.get("ARCHIVE_OPERATOR") or settings.get("CONTACT_URL"),
                       "http-header-user-agent": settings.get("USER_AGENT"),
                       "robots": "classic" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"},
            on_filed=lambda page: signals.send_catch_log(page_done, urls=[*page.get("redirects", ()), page["url"]]))
        crawler.archive_session = self.session   # validators, for the spider and crawler.conditional
        self.pool = ThreadPool(minthreads=1, maxthreads=settings.getint("ARCHIVE_THREADS"), name="archive-io")
        self.pool.start()
        reactor.addSystemEventTrigger("during", "shutdown", self.pool.stop)
        logger.info("Archiving into %s (crawl %s, spool %s)", archive.uri, self.session.crawl_id, spool)

    async def run(self, func, *args, **kwargs):
        return await maybe_deferred_to_future(deferToThreadPool(reactor, self.pool, func, *args, **kwargs))


_runtimes: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def runtime_for(crawler) -> ArchiveRuntime:
    """The crawl's archive runtime, opened on first use (fails early if the store is unusable)."""
    runtime = _runtimes.get(crawler)
    if runtime is None:
        runtime = _runtimes[crawler] = ArchiveRuntime(crawler)
    return runtime


def notify_gone(crawler, urls, status: int) -> None:
    """A URL answered 404/410: the session marks its document ``gone_since`` (if it has one)."""
    runtime = _runtimes.get(crawler)
    if runtime is not None:
        for url in urls:
            runtime.session.mark_gone(url, status)


def session_for(crawler) -> CrawlSession:
    return runtime_for(crawler).session


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.runtime = runtime_for(crawler)
        self.session = self.runtime.session

    @classmethod
    def from_crawler(cls, crawler):
        try:
            return cls(crawler)
        except (StoreError, SpoolBusy) as exc:
            # Scrapy stops before any request is made and `scrapy crawl` exits with status 1.
            logger.error("Cannot open archive %s: %s", crawler.settings.get("ARCHIVE_URI"), exc)
            raise RuntimeError(f"cannot open archive: {exc}") from None

    async def open_spider(self, spider=None):
        # What an earlier crawl left in this spool (killed, or its store was down) goes first.
        waiting = len(self.session.spooled_pages())
        filed = await self.runtime.run(self.session.replay_spool)
        if waiting:
            logger.info("Filed %d of %d pages spooled by an earlier crawl", filed, waiting)

    async def process_item(self, item, spider=None):
        if isinstance(item, NotModifiedPage):   # 304: a WARC revisit record and last_seen, nothing else
            await self.runtime.run(self.session.seen_unchanged, item.url, item.fetched_at, status=item.status,
                                   response_headers=item.response_headers, request_headers=item.request_headers,
                                   **item.wire)
            return item
        page = ItemAdapter(item).asdict()
        if not page.get("blob"):
            raise DropItem(f"article page without a snapshot: {page.get('url')}")
        await self.runtime.run(self.session.ingest, page)
        return item

    async def close_spider(self, spider=None):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                 if isinstance(v, (int, float, str)) and k.startswith(REPORTED_STATS)}
        reason = getattr(self.crawler.engine, "_close_reason", None) or "finished"
        report = await self.runtime.run(self.session.finish, stats, reason=reason)
        self.crawler.stats.set_value("archive/finish_reason", report["finish_reason"])
        logger.info(format_summary(report))
        if failed(report):
            logger.error("Crawl %s failed: %s (%d pages fetched, %d errors); `scrapy crawl` exits 1",
                         report["crawl_id"], report["finish_reason"], fetched_pages(report["counts"]),
                         sum(v for k, v in report["counts"].items() if k.startswith("archive/error/")))
        waiting = report["counts"].get("archive/spool/pages_waiting", 0)
        if self.runtime.own_spool and not waiting:
            self.session.spool.remove_if_empty()
        if waiting:
            logger.warning("%d pages wait in the spool %s: the next crawl or 'archive flush --spool %s' files "
                           "them", waiting, self.session.spool_dir, self.session.spool_dir)


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
            f"{c.get('archive/spool/pages', 0)} spooled, requests {report.get('requests')}, "
            f"{report['elapsed_seconds']:.1f}s")
