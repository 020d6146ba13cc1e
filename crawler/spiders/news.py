"""A generic news-site spider.

    scrapy crawl news -a start_urls=https://example.com/[,https://other.example/]
        [-a allowed_domains=example.com,cdn.example.com] [-a depth=3] [-a max_pages=500]

Follows links within the start URLs' hosts, the sitemaps that robots.txt names and
``/sitemap.xml``, and the RSS/Atom feeds a page links to; files article pages, counts the rest.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from archive.encoding import looks_like_html
from archive.validators import unchanged_since_last_fetch
from crawler.extension import archive_of
from crawler.items import ArticlePage, NotModifiedPage
from crawler.jobs import apply_job_settings, scrapyd_job
from crawler.signals import page_done, request_urls
from crawler.workers import WorkerCrashed, page_work

# trafilatura logs every page it cannot parse (at ERROR) and its steps (at DEBUG); a page without
# an article is a counted skip here, so its own lines only drown the crawl log.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

REQUISITES_XPATH = ('//img/@src | //link[contains(concat(" ", normalize-space(@rel), " "), " stylesheet ")]/@href'
                    ' | //link[contains(@rel, "icon")]/@href | //script/@src')


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v.strip() for v in value if v.strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _header_list(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class NewsSpider(scrapy.Spider):
    name = "news"
    start_urls: list[str] = []
    listing_paths: tuple[str, ...] = ()   # site-profile: paths known to be section listings

    def __init__(self, start_urls=None, allowed_domains=None, depth=None, max_pages=None, **kwargs):
        super().__init__(**kwargs)
        urls = _split(start_urls) or list(type(self).start_urls)
        if not urls:
            raise ValueError("news spider needs start URLs: scrapy crawl news -a start_urls=https://example.com/")
        bad = [u for u in urls if urlsplit(u).scheme not in ("http", "https") or not _host(u)]
        if bad:
            raise ValueError(f"start_urls must be absolute http(s) URLs, got: {', '.join(bad)}")
        self.start_urls = urls
        domains = _split(allowed_domains) or sorted({_host(u) for u in urls})
        self.allowed_domains = domains
        self._yielded: set[str] = set()   # link URLs yielded by parse_page
        self.sitemap_unchanged: set[str] = set()   # URLs whose sitemap <lastmod> predates our last fetch

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.job = scrapyd_job(kwargs)
        spider.job_folder = apply_job_settings(settings, spider.name, kwargs)
        if kwargs.get("depth") is not None:
            settings.set("DEPTH_LIMIT", int(kwargs["depth"]), priority="spider")
        if kwargs.get("max_pages") is not None:
            settings.set("CLOSESPIDER_PAGECOUNT", int(kwargs["max_pages"]), priority="spider")
        if settings.getpriority("USER_AGENT") < 20:  # not chosen by the project or the user
            contact = settings.get("CONTACT_URL")
            agent = f"{settings.get('BOT_NAME')}/{settings.get('BOT_VERSION')}"
            settings.set("USER_AGENT", f"{agent} (+{contact})" if contact else agent, priority="spider")
            if not contact:
                spider.logger.warning("CONTACT_URL is not set: site owners cannot tell who runs this crawl "
                                      "(set it with -s CONTACT_URL=https://... or NEWSARCHIVE_CONTACT_URL)")
        return spider

    async def start(self):
        origins = []
        for url in self.start_urls:
            # dont_filter: a resumed crawl (JOBDIR) rediscovers unfinished pages from here.
            yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error, dont_filter=True)
            origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
            if origin not in origins:
                origins.append(origin)
        for origin in origins:
            yield scrapy.Request(origin + "/robots.txt", callback=self.parse_robots, errback=self.on_error,
                                 priority=10, dont_filter=True)
            yield scrapy.Request(origin + "/sitemap.xml", callback=self.parse_sitemap, errback=self.on_error,
                                 priority=10, dont_filter=True)
        for url in self._known_articles():
            # Revalidated (conditionally) even when no page links to them any more, or only
            # articles do (a 304 has no links); after the sitemaps, which may say they did not change.
            yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error, priority=-10,
                                 meta={"revalidate": True})

    def _known_articles(self) -> list[str]:
        if not self.settings.getbool("ARCHIVE_REVALIDATE_KNOWN", True):
            return []
        session = getattr(self.crawler, "archive_session", None)   # set by the archive pipeline
        return sorted(url for url in session.validators if self._allowed(url)) if session else []

    # -- discovery -----------------------------------------------------------------------
    def parse_robots(self, response):
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error, priority=10)

    def parse_sitemap(self, response):
        body = response.body
        try:
            sitemap = Sitemap(body)
        except Exception:  # lxml raises several types on garbage; a bad sitemap is only a skip
            self.count("skipped/bad_sitemap")
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(loc, callback=self.parse_sitemap, errback=self.on_error, priority=10)
            elif self._allowed(loc):
                if self.settings.getbool("ARCHIVE_SITEMAP_LASTMOD", True) and \
                        self._unchanged_since_fetched(loc, entry.get("lastmod")):
                    # <lastmod> older than our last fetch: neither the sitemap nor the revalidation
                    # of known articles requests it (crawler.conditional drops the latter); a page
                    # that links to it still asks, conditionally.
                    if loc not in self.sitemap_unchanged:
                        self.sitemap_unchanged.add(loc)
                        self.count("skipped/sitemap_lastmod")
                    continue
                yield scrapy.Request(loc, callback=self.parse_page, errback=self.on_error)

    def parse_feed(self, response):
        if not isinstance(response, TextResponse):
            self.count("skipped/bad_feed")
            return
        response.selector.remove_namespaces()
        links = response.xpath("//item/link/text() | //entry/link/@href | //entry/id/text()").getall()
        for link in links:
            url = urljoin(response.url, link.strip())
            if self._allowed(url):
                yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error)

    def _allowed(self, url: str) -> bool:
        host = _host(url)
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    # -- pages ---------------------------------------------------------------------------
    def _unchanged_since_fetched(self, url: str, lastmod: str | None) -> bool:
        session = getattr(self.crawler, "archive_session", None)   # set by the archive pipeline
        return bool(lastmod and session) and unchanged_since_last_fetch(session.validator(url), lastmod)

    async def parse_page(self, response):
        """Count the page, follow its links and feeds, and hand an article page on as an item.
        The parsing and extraction run in the archive's worker processes (``page_work``)."""
        if response.status == 304:   # a conditional request (crawler.conditional): nothing changed
            self.count("not_modified")
            wire = response.meta.get("not_modified_exchange") or {}   # as it crossed the wire
            yield NotModifiedPage(url=response.url, fetched_at=wire.get("fetched_at") or _now(), status=304,
                                  response_headers=wire.get("response_headers") or _header_list(response.headers),
                                  request_headers=wire.get("request_headers") or _header_list(response.request.headers),
                                  wire={k: wire[k] for k in ("reason", "protocol", "method", "ip_address") if k in wire})
            return
        self.count("pages")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        if not response.body:
            self.count("skipped/empty")
            return
        if not isinstance(response, TextResponse) or not looks_like_html(response.body, content_type):
            self.count("skipped/not_html")
            return
        archiver = archive_of(self.crawler)
        seq = archiver.ticket() if archiver else None
        item = None
        try:
            try:
                args = (response.url, response.body, content_type, tuple(self.listing_paths),
                        tuple(self.allowed_domains))
                work = await archiver.page_work(*args) if archiver is not None else page_work(*args)
            except WorkerCrashed as exc:
                self.count("error/worker_crashed")
                self.logger.error("Page work failed for %s: %s", response.url, exc)
                return
            for url in work["links"]:   # on the allowed hosts already
                # A URL yielded before was scheduled or filtered then: the dupefilter would drop
                # it again, after building and fingerprinting a request for it. (Not with a depth
                # limit: a link dropped as too deep may be found again nearer the start.)
                if url in self._yielded:
                    continue
                if not self.crawler.settings.getint("DEPTH_LIMIT"):
                    self._yielded.add(url)
                yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error)
            for url in work["feeds"]:
                yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error, priority=5)
            if self.crawler.settings.getbool("ARCHIVE_PAGE_REQUISITES"):
                for request in self.requisites(response):   # parses here: off by default
                    yield request
            if work["skip"]:
                self.count(f"skipped/{work['skip']}")
                return
            self.count("articles")
            item = ArticlePage(
                url=response.url,
                article=work["article"],
                fetched_at=_now(),
                status=response.status,
                content_type=content_type,
                redirects=request_urls(response.request)[:-1],
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
                seq=seq,
            )
        finally:
            if item is None and archiver is not None:
                archiver.release(seq)
        yield item

    def requisites(self, response):
        """Images, stylesheets and scripts of a page, on any host, fetched only to be recorded in
        the WARC file (replay fidelity); ``ARCHIVE_PAGE_REQUISITES`` switches them on."""
        for url in dict.fromkeys(response.xpath(REQUISITES_XPATH).getall()):
            url = response.urljoin(url.strip())
            if url.startswith(("http://", "https://")):
                yield scrapy.Request(url, callback=self.parse_requisite, errback=self.on_error, priority=-5,
                                     meta={"allow_offsite": True})

    def parse_requisite(self, response):
        self.count("requisites")
        return ()

    # -- bookkeeping ---------------------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"archive/{key}", n)

    def on_error(self, failure):
        """Count a failed fetch by reason; Scrapy has already retried what is transient."""
        if failure.request.meta.get("sitemap_unchanged"):   # counted as skipped/sitemap_lastmod
            self.crawler.signals.send_catch_log(page_done, urls=request_urls(failure.request))
            return
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
            if failure.value.response.status in (404, 410):   # an archived article there is gone
                from crawler.pipelines import notify_gone
                notify_gone(self.crawler, request_urls(failure.request), failure.value.response.status)
        else:
            exc = failure.value
            text = str(exc).lower()
            if "redirect loop" in text:
                reason = "redirect_loop"
            elif "max redirections" in text:
                reason = "too_many_redirects"
            elif "robots.txt" in text:
                reason = "robots_forbidden"
            elif "maxsize" in text or "max size" in text or "larger than download" in text:
                reason = "too_large"
            else:
                reason = type(exc).__name__
        self.count(f"error/{reason}")
        self.logger.info("Skipped %s: %s", failure.request.url, reason)
        self.crawler.signals.send_catch_log(page_done, urls=request_urls(failure.request))
