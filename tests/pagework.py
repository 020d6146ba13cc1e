"""Page-work functions for the worker-pool tests (``ARCHIVE_PAGE_WORK``): the real work, except
that the worker process dies on chosen pages, as a segfaulting parser would.

``NEWSARCHIVE_TEST_CRASH_ONCE`` / ``NEWSARCHIVE_TEST_CRASH_ALWAYS``: comma-separated URL paths;
``NEWSARCHIVE_TEST_CRASH_DIR``: where "crashed once already" marks are kept.
"""
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

from crawler.workers import page_work as real_page_work


def _paths(name):
    return {p for p in os.environ.get(name, "").split(",") if p}


def page_work(url, body, content_type, listing_paths=(), allowed_domains=()):
    path = urlsplit(url).path.removeprefix("/index.php")   # every URL of the page
    if path in _paths("NEWSARCHIVE_TEST_CRASH_ALWAYS"):
        os.kill(os.getpid(), signal.SIGKILL)
    if path in _paths("NEWSARCHIVE_TEST_CRASH_ONCE"):
        mark = Path(os.environ["NEWSARCHIVE_TEST_CRASH_DIR"], path.strip("/").replace("/", "_"))
        if not mark.exists():
            mark.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
    return real_page_work(url, body, content_type, listing_paths, allowed_domains)


def slow_page_work(url, body, content_type, listing_paths=(), allowed_domains=()):
    """The real work, half a second slower: keeps pages in flight for the shutdown tests."""
    time.sleep(0.5)
    return real_page_work(url, body, content_type, listing_paths, allowed_domains)


# -- plain tasks for WorkerPool unit tests -------------------------------------------------
def square(x):
    return x * x


def fail(message):
    raise ValueError(message)


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def die_once(mark):
    if not Path(mark).exists():
        Path(mark).write_text("x")
        os._exit(3)
    return os.getpid()


def sleep(seconds):
    time.sleep(seconds)
    return seconds


def pid():
    return os.getpid()


def scrapy_loaded() -> bool:
    """Whether this (worker) process has imported Scrapy."""
    import sys
    return any(name == "scrapy" or name.startswith("scrapy.") for name in sys.modules)
