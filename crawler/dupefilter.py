"""A dupefilter for resumable crawls (JOBDIR) that loses no page to a hard kill.

Scrapy's RFPDupeFilter records a request as seen when it is scheduled. A crawl killed with
SIGKILL then loses the requests that were in flight or held in memory: on resume they count as
seen and are never fetched. Here a request is recorded in ``JOBDIR/requests.done`` only once its
page is safe (filed, spooled, skipped or failed for good); on resume, every page not yet safe is
rediscovered from the start pages and fetched again. The archive's deduplication makes a page
fetched twice count once.
"""
from __future__ import annotations

import threading
from pathlib import Path

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir

from crawler.signals import page_done


class ResumableDupeFilter(RFPDupeFilter):
    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None):
        super().__init__(None, debug, fingerprinter=fingerprinter)   # in memory; our own file below
        self._lock = threading.Lock()
        self.done_file = None
        if path:
            self.done_file = Path(path, "requests.done").open("a+")
            self.done_file.seek(0)
            self._fingerprints.update(bytes.fromhex(line.strip()) for line in self.done_file if line.strip())

    @classmethod
    def from_crawler(cls, crawler):
        df = cls(job_dir(crawler.settings), crawler.settings.getbool("DUPEFILTER_DEBUG"),
                 fingerprinter=crawler.request_fingerprinter)
        crawler.signals.connect(df.mark_done, signal=page_done)
        return df

    def mark_done(self, urls) -> None:
        """Record pages as safe (thread-safe: the archive calls it from its worker threads)."""
        if self.done_file is None:
            return
        lines = "".join(self.fingerprinter.fingerprint(Request(u)).hex() + "\n" for u in urls)
        with self._lock:
            if not self.done_file.closed:
                self.done_file.write(lines)
                self.done_file.flush()

    def close(self, reason: str) -> None:
        with self._lock:
            if self.done_file is not None:
                self.done_file.close()
        super().close(reason)
