"""A dupefilter for resumable crawls (JOBDIR) that loses no page to a hard kill.

Scrapy's RFPDupeFilter records a request as seen when it is scheduled. A crawl killed with
SIGKILL then loses the requests that were in flight or held in memory: on resume they count as
seen and are never fetched. Here a request is recorded in ``JOBDIR/requests.done`` only once its
page is safe (filed, spooled, skipped or failed for good); on resume, every page not yet safe is
rediscovered from the start pages and fetched again. The archive's deduplication makes a page
fetched twice count once.

A page with nothing to file (a home, section or listing page) is done once its links are in
Scrapy's queue, but that queue (``JOBDIR/requests.queue``) is saved whole only when the crawl
closes cleanly (SIGINT/SIGTERM, scrapyd's cancel.json, the end): after a SIGKILL its files are
stale or torn. So such pages are recorded only at a clean close, right after the queue was saved,
and ``JOBDIR/requests.running`` marks a crawl in progress: a crawl that finds it left there by a
killed one drops the queue and rediscovers what was not done by fetching the listings again.
"""
from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir

from crawler.signals import page_done

logger = logging.getLogger(__name__)
RUNNING = "requests.running"
QUEUE = "requests.queue"


class ResumableDupeFilter(RFPDupeFilter):
    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None):
        super().__init__(None, debug, fingerprinter=fingerprinter)   # in memory; our own file below
        self._lock = threading.Lock()
        self.done_file = None
        self.running = None
        self._at_close: list[str] = []   # pages done once the queue holding their links is saved
        if path:
            self.running = Path(path, RUNNING)
            if self.running.exists() and Path(path, QUEUE).exists():
                logger.warning("The last crawl on %s did not close cleanly (killed): its request queue is "
                               "dropped, and the pages it had not done are found again from the listings", path)
                shutil.rmtree(Path(path, QUEUE), ignore_errors=True)
            self.running.touch()
            self.done_file = Path(path, "requests.done").open("a+")
            self.done_file.seek(0)
            self._fingerprints.update(bytes.fromhex(line.strip()) for line in self.done_file if line.strip())

    @classmethod
    def from_crawler(cls, crawler):
        df = cls(job_dir(crawler.settings), crawler.settings.getbool("DUPEFILTER_DEBUG"),
                 fingerprinter=crawler.request_fingerprinter)
        crawler.signals.connect(df.mark_done, signal=page_done)
        return df

    def mark_done(self, urls, links: bool = False) -> None:
        """Record pages as safe (thread-safe: the archive calls it from its worker threads);
        ``links``: a page whose links were scheduled, recorded at a clean close."""
        if self.done_file is None:
            return
        lines = "".join(self.fingerprinter.fingerprint(Request(u)).hex() + "\n" for u in urls)
        with self._lock:
            if links:
                self._at_close.append(lines)
            elif not self.done_file.closed:
                self.done_file.write(lines)
                self.done_file.flush()

    def close(self, reason: str) -> None:
        # Scrapy's scheduler has saved its queue just before (Scheduler.close).
        with self._lock:
            if self.done_file is not None and not self.done_file.closed:
                self.done_file.write("".join(self._at_close))
                self._at_close.clear()
                self.done_file.close()
            if self.running is not None:
                self.running.unlink(missing_ok=True)
        super().close(reason)
