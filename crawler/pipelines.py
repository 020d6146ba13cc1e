"""The pipeline that files article pages into the archive, through the crawl's
:class:`crawler.extension.ArchiveExtension` (filing order, threads off the reactor), and writes
the crawl report when the spider closes."""
from __future__ import annotations

import logging
from dataclasses import fields, is_dataclass

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from archive.crawls import failed, fetched_pages
from crawler.items import NotModifiedPage
from crawler.jobs import end_run
from crawler.extension import REPORTED_SETTINGS, ArchiveExtension, archive_of  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

# Scrapy stats copied into the crawl report, by prefix.
REPORTED_STATS = ("archive/", "downloader/response_count", "downloader/response_bytes",
                  "downloader/response_status_count/", "downloader/exception_type_count/",
                  "response_received_count", "retry/", "robotstxt/", "httperror/", "item_scraped_count",
                  "item_dropped_count", "log_count/ERROR", "dupefilter/filtered", "offsite/filtered",
                  "request_depth_max")


def notify_gone(crawler, urls, status: int) -> None:
    """A URL answered 404/410: the session marks its document ``gone_since`` (if it has one)."""
    archiver = archive_of(crawler)
    if archiver is not None:
        for url in urls:
            archiver.session.mark_gone(url, status)


class ArchivePipeline:
    def __init__(self, crawler, archiver: ArchiveExtension):
        self.crawler = crawler
        self.archiver = archiver
        self.session = archiver.session

    @classmethod
    def from_crawler(cls, crawler):
        archiver = archive_of(crawler)
        if archiver is None:
            raise NotConfigured("the archive extension is not enabled")
        return cls(crawler, archiver)

    async def open_spider(self, spider=None):
        # What an earlier crawl left in this spool (killed, or its store was down) goes first.
        waiting = len(self.session.spooled_pages())
        filed = await self.archiver.replay_spool()
        if waiting:
            logger.info("Filed %d of %d pages spooled by an earlier crawl", filed, waiting)

    async def process_item(self, item, spider=None):
        if isinstance(item, NotModifiedPage):   # 304: a WARC revisit record and last_seen, nothing else
            await self.archiver.run(self.session.seen_unchanged, item.url, item.fetched_at, status=item.status,
                                    response_headers=item.response_headers, request_headers=item.request_headers,
                                    **item.wire)
            return item
        # A shallow copy: ItemAdapter.asdict copies the article's nested lists and dicts too.
        page = {f.name: getattr(item, f.name) for f in fields(item)} if is_dataclass(item) else ItemAdapter(item).asdict()
        seq = page.pop("seq", None)
        if not page.get("blob"):
            self.archiver.release(seq)
            raise DropItem(f"article page without a snapshot: {page.get('url')}")
        await self.archiver.file(seq, page)
        return item

    async def close_spider(self, spider=None):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                 if isinstance(v, (int, float, str)) and k.startswith(REPORTED_STATS)}
        reason = self.archiver.close_reason or "finished"
        report = await self.archiver.finish(stats, reason)
        self.crawler.stats.set_value("archive/finish_reason", report["finish_reason"])
        if self.crawler.settings.get("JOBDIR"):
            end_run(self.crawler.settings.get("JOBDIR"), report["finish_reason"])
        logger.info(format_summary(report))
        if failed(report):
            logger.error("Crawl %s failed: %s (%d pages fetched, %d errors); `scrapy crawl` exits 1",
                         report["crawl_id"], report["finish_reason"], fetched_pages(report["counts"]),
                         sum(v for k, v in report["counts"].items() if k.startswith("archive/error/")))
        waiting = report["counts"].get("archive/spool/pages_waiting", 0)
        if self.archiver.own_spool and not waiting:
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
