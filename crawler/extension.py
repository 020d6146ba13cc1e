"""The crawl's archive runtime, as a Scrapy extension.

``ArchiveExtension`` opens the archive and the crawl's session when the crawler starts (a store
that cannot be used stops the crawl before any request), and owns what runs beside the reactor:

- a pool of worker processes for per-page work (``ARCHIVE_WORKERS``, default one per core;
  ``1`` runs that work in-process, on the reactor thread, for debugging);
- a thread pool for blocking store I/O (``ARCHIVE_THREADS``);
- the order in which pages are filed: each page takes a ticket when its response reaches the
  spider, and pages are filed into the session one at a time in ticket order, whichever worker
  finished first. Every decision is taken in the session, in that one lane.

Backpressure: a spider callback awaits its page's work, so the response stays in Scrapy's
scraper slot until the page is filed. When the workers fall behind, the slot fills up to
``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` bytes of responses and the engine stops taking requests from
the scheduler: the downloader slows down to the workers' pace, and memory stays bounded.

The spider, the snapshot middleware and the pipeline find it with
``crawler.get_extension(ArchiveExtension)``.
"""
from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from posixpath import dirname
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet import defer
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from archive.archive import Archive
from archive.report import new_crawl_id
from archive.session import CrawlSession
from archive.spool import SpoolBusy, default_spool
from archive.store import StoreError
from crawler.jobs import start_run
from crawler.signals import page_done
from crawler.workers import WorkerCrashed, WorkerPool, default_workers

logger = logging.getLogger(__name__)

# Settings worth keeping in the crawl report (never credentials).
REPORTED_SETTINGS = ("ARCHIVE_URI", "USER_AGENT", "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "DOWNLOAD_DELAY",
                     "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_MAXSIZE", "DEPTH_LIMIT",
                     "CLOSESPIDER_PAGECOUNT", "RETRY_TIMES", "JOBDIR", "ARCHIVE_THREADS", "ARCHIVE_WORKERS",
                     "AWS_ENDPOINT_URL", "AWS_REGION_NAME", "ARCHIVE_SPOOL_DIR")


class ArchiveExtension:
    def __init__(self, crawler, session: CrawlSession, *, workers: int, threads: int, page_work,
                 work_cache: int = 1000, task_timeout: float = 120.0):
        self.crawler = crawler
        self.session = session
        # the crawl's own spool (not ARCHIVE_SPOOL_DIR, not the job's) goes when it ends empty
        settings = crawler.settings
        self.own_spool = not (settings.get("ARCHIVE_SPOOL_DIR") or settings.get("JOBDIR"))
        self.page_work_func = page_work
        self.workers = workers
        self.pool = WorkerPool(workers, task_timeout=task_timeout) if workers > 1 else None
        self.threads = ThreadPool(minthreads=1, maxthreads=threads, name="archive-io")
        self.threads.start()
        self._lane = ThreadPool(minthreads=1, maxthreads=1, name="archive-file")   # filing, in order
        self._lane.start()
        self._cache: OrderedDict = OrderedDict()   # (body sha256, URL directory) -> page work
        self._cache_size = work_cache
        # Filing order: tickets are issued as responses arrive; filed strictly in that order.
        self._issued = 0
        self._next = 0
        self._ready: dict[int, tuple] = {}
        self._filing = False
        self._flushing = False   # a batch write is running in the I/O threads
        self._closed = False
        self.close_reason: str | None = None   # why the engine closes the spider (see _watch_close)
        _reactor().addSystemEventTrigger("before", "shutdown", self.close)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        try:
            session = open_session(crawler)
        except (StoreError, SpoolBusy) as exc:
            # Scrapy stops before any request is made and `scrapy crawl` exits with status 1.
            logger.error("Cannot open archive %s: %s", settings.get("ARCHIVE_URI"), exc)
            raise RuntimeError(f"cannot open archive: {exc}") from None
        workers = settings.getint("ARCHIVE_WORKERS") or default_workers()
        ext = cls(crawler, session, workers=workers, threads=settings.getint("ARCHIVE_THREADS"),
                  page_work=load_object(settings.get("ARCHIVE_PAGE_WORK", "crawler.workers.page_work")),
                  work_cache=settings.getint("ARCHIVE_WORK_CACHE", 1000),
                  task_timeout=settings.getfloat("ARCHIVE_WORKER_TIMEOUT", 120.0))
        crawler.signals.connect(ext._watch_close, signal=signals.engine_started)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.close, signal=signals.engine_stopped)
        logger.info("Archiving into %s (crawl %s, spool %s); page work in %s", session.archive.uri,
                    session.crawl_id, session.spool_dir,
                    f"{workers} worker processes (pids {ext.pool.pids()})" if ext.pool else "this process")
        return ext

    # -- blocking work -------------------------------------------------------------------
    async def run(self, func, *args, **kwargs):
        """``func`` in the store I/O threads."""
        return await maybe_deferred_to_future(deferToThreadPool(_reactor(), self.threads, func, *args, **kwargs))

    async def page_work(self, url: str, body: bytes, content_type: str | None, listing_paths=(),
                        allowed_domains=()) -> dict:
        """The page's links, feeds and article (see :func:`crawler.workers.page_work`), from a
        worker process; from the cache when the same bytes were worked on at the same place
        (links resolve against the URL's directory). Raises WorkerCrashed."""
        parts = urlsplit(url)
        key = (hashlib.sha256(body).digest(), parts.scheme, parts.netloc, dirname(parts.path))
        work = self._cache.get(key)
        if work is not None:
            self._cache.move_to_end(key)
            self.crawler.stats.inc_value("archive/work/cached")
            if work["article"] is not None:
                work = dict(work, article=dict(work["article"], url=url))
            return work
        if self.pool is None:
            work = self.page_work_func(url, body, content_type, tuple(listing_paths), tuple(allowed_domains))
        else:
            future = self.pool.submit(self.page_work_func, url, body, content_type, tuple(listing_paths),
                                      tuple(allowed_domains))
            d = defer.Deferred()
            future.add_done_callback(lambda f: _reactor().callFromThread(_fire, d, f))
            work = await maybe_deferred_to_future(d)
        self._cache[key] = work
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return work

    # -- filing, in arrival order --------------------------------------------------------
    def ticket(self) -> int:
        """A place in the filing order, taken when a page's response reaches the spider."""
        seq = self._issued
        self._issued += 1
        return seq

    def release(self, seq: int | None) -> None:
        """The page holding ``seq`` files nothing."""
        if seq is not None:
            self._ready[seq] = (None, None)
            self._pump()

    async def file(self, seq: int | None, page: dict):
        """File a page into the session once every page before it in the order is filed."""
        d = defer.Deferred()
        if seq is None:
            seq = self.ticket()
        self._ready[seq] = (page, d)
        self._pump()
        return await maybe_deferred_to_future(d)

    def _pump(self) -> None:
        while not self._filing and self._next in self._ready:
            page, d = self._ready.pop(self._next)
            self._next += 1
            if page is None:
                continue
            self._filing = True
            # The batch write runs in the lane too (ingest's own flush): run beside it, in the
            # I/O threads, it lost a document when the S3 store died mid-crawl (test_s3_crawl).
            filed = deferToThreadPool(_reactor(), self._lane, self.session.ingest, page)
            filed.addBoth(self._filed, d)

    def _filed(self, result, d) -> None:
        self._filing = False
        if isinstance(result, Failure):
            d.errback(result)
        else:
            d.callback(result)
        self._pump()

    def _flush_if_due(self) -> None:
        """A batch write runs in the store I/O threads while the lane files the next pages
        (one at a time; the session's locks keep them apart)."""
        if self._flushing or self._closed or not self.session.flush_due():
            return
        self._flushing = True

        def done(result):
            self._flushing = False
            if isinstance(result, Failure):
                logger.error("Batch write failed: %s", result.getErrorMessage())
            self._flush_if_due()

        deferToThreadPool(_reactor(), self.threads, self.session.flush_if_due).addBoth(done)

    def drain(self) -> None:
        """Skip the places of pages that never came (their callback failed): file the rest."""
        if self._ready and self._next not in self._ready:
            missing = min(self._ready) - self._next
            logger.warning("%d pages never reached the archive; filing the %d after them", missing, len(self._ready))
            self._next = min(self._ready)
            self._pump()

    async def finish(self, stats: dict, reason: str) -> dict:
        self.drain()
        # The lane is idle once every page is filed; the report is written after them.
        return await maybe_deferred_to_future(
            deferToThreadPool(_reactor(), self._lane, self.session.finish, stats, reason=reason))

    async def replay_spool(self) -> int:
        return await maybe_deferred_to_future(deferToThreadPool(_reactor(), self._lane, self.session.replay_spool))

    # -- end -----------------------------------------------------------------------------
    def _watch_close(self) -> None:
        """Keep the reason the engine closes the spider for (``shutdown`` on SIGTERM/SIGINT,
        ``closespider_*``, ``finished``...): the pipeline writes the report before Scrapy sends
        it with ``spider_closed``, and no engine attribute holds it in Scrapy 2.13+."""
        engine = self.crawler.engine
        close = engine.close_spider_async

        async def close_spider_async(*, reason: str = "cancelled") -> None:
            if self.close_reason is None:   # the first call decides; later ones wait for it
                self.close_reason = reason
            return await close(reason=reason)

        engine.close_spider_async = close_spider_async

    def spider_closed(self, spider, reason):
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.pool is not None:
            self.pool.close()
            if self.pool.crashes:
                logger.warning("Archive workers crashed %d times in this crawl", self.pool.crashes)
        self.threads.stop()
        self._lane.stop()


def _reactor():
    from twisted.internet import reactor   # imported late: importing it installs the default reactor
    return reactor


def open_session(crawler) -> CrawlSession:
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
    # a run resuming a stopped crawl from its JOBDIR continues that crawl's runs
    continues = start_run(settings.get("JOBDIR"), crawl_id) if settings.get("JOBDIR") else []
    if continues:
        logger.info("Resuming the crawl of runs %s (JOBDIR %s)", ", ".join(continues), settings.get("JOBDIR"))
    sigs = crawler.signals
    session = CrawlSession(
        archive, crawl_id=crawl_id, spider=getattr(crawler.spidercls, "name", None),
        settings={name: settings.get(name) for name in REPORTED_SETTINGS},
        spool_dir=spool, warmup_pages=settings.getint("ARCHIVE_WARMUP_PAGES"),
        index_flush_every=settings.getint("ARCHIVE_INDEX_FLUSH_EVERY"),
        warc_max_size=settings.getint("ARCHIVE_WARC_MAX_SIZE"),
        software=f"{settings.get('BOT_NAME')}/{settings.get('BOT_VERSION')}",
        job=getattr(crawler.spider, "job", None) if getattr(crawler, "spider", None) else None,
        warc_info={"operator": settings.get("ARCHIVE_OPERATOR") or settings.get("CONTACT_URL"),
                   "http-header-user-agent": settings.get("USER_AGENT"),
                   "robots": "classic" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"},
        continues=continues,
        on_filed=lambda page: sigs.send_catch_log(page_done, urls=[*page.get("redirects", ()), page["url"]]))
    crawler.archive_session = session   # validators, for the spider and crawler.conditional
    return session


def _fire(d: defer.Deferred, future) -> None:
    if future.cancelled():
        d.errback(WorkerCrashed("the worker pool shut down before this page was worked on"))
    elif future.exception() is not None:
        d.errback(future.exception())
    else:
        d.callback(future.result())


def archive_of(crawler) -> ArchiveExtension | None:
    """The crawl's archive extension, or None when it is not enabled (or not created yet)."""
    try:
        return crawler.get_extension(ArchiveExtension)
    except (RuntimeError, AttributeError):
        return None
