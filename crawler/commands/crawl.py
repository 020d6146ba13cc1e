"""``scrapy crawl``, exiting with status 1 when the crawl failed or was stopped before its end.

Scrapy's own command exits 0 whatever happened once the crawl started: a crawl that fetched
nothing (no network, DNS failure, every connection refused) looked like a success to scrapyd,
cron and CI; so did a crawl stopped by SIGTERM/SIGINT or a scrapyd cancel (``shutdown``,
``cancelled``: resumable with its JOBDIR, but not done). The archive pipeline sets
``archive/finish_reason`` (see ``archive.crawls``).
"""
from scrapy.commands.crawl import Command as ScrapyCrawl

from archive.crawls import FAILURES, STOPPED


class Command(ScrapyCrawl):
    def run(self, args, opts):
        crawlers = []
        create = self._create_crawler

        def _create_and_keep(spname):
            crawler = create(spname)
            crawlers.append(crawler)
            return crawler

        self._create_crawler = _create_and_keep
        try:
            super().run(args, opts)
        finally:
            self._create_crawler = create
        for crawler in crawlers:
            stats = getattr(crawler, "stats", None)
            reason = stats.get_value("archive/finish_reason") if stats is not None else None
            if reason in FAILURES or reason in STOPPED:
                self.exitcode = 1
