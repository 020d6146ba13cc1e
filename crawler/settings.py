"""Scrapy settings for the news archiver. Override any of them with ``-s NAME=VALUE``."""
import os

from crawler import redact
# Imported now, near the bottom of the stack: scrapy.core.downloader.contextfactory (which the
# download handler imports) calls inspect.stack() at import time, which costs in proportion to
# the stack's depth. Imported first by the engine, deep in the reactor's frames, that was 1.4 s
# of CPU at each crawl's start (py-spy; 0.3 s from here).
import crawler.wire  # noqa: E402,F401

redact.install()   # Scrapy logs overridden settings, -s AWS_SECRET_ACCESS_KEY=... included

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Where the archive goes: s3://bucket/prefix, file:///abs/path or a folder (default ./archive-data).
ARCHIVE_URI = os.environ.get("ARCHIVE_URI", "archive-data")

# Local spool for what the store could not take (default: JOBDIR/archive-spool, else
# ./.archive-spool); threads for blocking store I/O; WARC files roll at this size.
ARCHIVE_SPOOL_DIR = None
# Each job's JOBDIR and spool go under this folder, one per job key (see crawler/jobs.py); under
# scrapyd ./jobs when unset. Unset outside scrapyd: `scrapy crawl` keeps no job state unless asked.
ARCHIVE_JOBS_DIR = os.environ.get("ARCHIVE_JOBS_DIR")
ARCHIVE_THREADS = 8
# Recrawls ask again, conditionally (If-None-Match / If-Modified-Since), for every article URL
# of the crawled hosts the archive fetched before, not only those still linked.
ARCHIVE_REVALIDATE_KNOWN = True
# ...except those whose sitemap <lastmod> predates our last fetch (counted skipped/sitemap_lastmod).
ARCHIVE_SITEMAP_LASTMOD = True
ARCHIVE_WARC_MAX_SIZE = 100 * 1024 * 1024
# Per-page work (parsing, links, extraction) in this many worker processes; 0: one per core;
# 1: in this process, on the reactor thread (for debugging).
ARCHIVE_WORKERS = 0
# Article pages of a new site held back until its teaser statistics have seen this many pages.
ARCHIVE_WARMUP_PAGES = 40
# Listing, block tables and near-duplicate index are written every this many changed documents.
ARCHIVE_INDEX_FLUSH_EVERY = 200

# Who we are. USER_AGENT is built from these unless set explicitly.
BOT_VERSION = "0.1"
# Set CONTACT_URL to a page that says who runs the crawl and how to reach them.
CONTACT_URL = os.environ.get("NEWSARCHIVE_CONTACT_URL", "")

# Politeness.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Outputs of one callback processed at once. Scrapy starts this many asyncio tasks for every
# response (its default, 100, was the reactor's largest cost per page in a profile); a page
# yields its links, which are only scheduled, and at most one article item.
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024     # larger bodies are cancelled and counted
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
DEPTH_PRIORITY = 0

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.SnapshotMiddleware": 950,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopAwareRedirectMiddleware": 600,
    # Every exchange into the WARC file, as sent and received: after the middlewares that add
    # request headers (cookies 700, proxy 750), before HttpCompressionMiddleware (590) decodes.
    "crawler.middlewares.WarcCaptureMiddleware": 950,
    "crawler.conditional.ConditionalRequestMiddleware": 580,   # If-None-Match for articles fetched before
}
# Scrapy's HTTP/1.1 handler, keeping the status line and header lines as received for the WARC.
DOWNLOAD_HANDLERS = {
    "http": "crawler.wire.WireHTTPDownloadHandler",
    "https": "crawler.wire.WireHTTPDownloadHandler",
}
# Also fetch (and record) the images, stylesheets and scripts of HTML pages, for replay.
ARCHIVE_PAGE_REQUISITES = False
# Who runs the crawl, for the WARC files' warcinfo records (default: CONTACT_URL).
ARCHIVE_OPERATOR = os.environ.get("NEWSARCHIVE_OPERATOR", "")
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

EXTENSIONS = {
    "crawler.extension.ArchiveExtension": 500,
    "crawler.jobs.JobDirCleanup": 500,
}
# `scrapy crawl` exits 1 when the crawl failed (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

DUPEFILTER_CLASS = "crawler.dupefilter.ResumableDupeFilter"

LOGSTATS_INTERVAL = 60.0
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
