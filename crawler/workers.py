"""Per-page work in worker processes, off the reactor.

``page_work(url, body, content_type, listing_paths)`` is everything a fetched page needs that
depends on the page alone: it parses the HTML once, takes the links and feeds from that tree,
runs :func:`archive.extract.extract` on the same tree (links first: the structure pass may
change the tree) and says whether the page is an article.
Bytes go in, a small dict comes out (links, feeds, the article's fields or the skip reason);
parsed trees never cross the process boundary.

:class:`WorkerPool` runs such functions in N worker processes. One dispatcher thread per
worker sends a task down the worker's pipe and waits for the answer or the worker's death, so a
dead worker costs only the task it held: that task is run again once on a fresh process, and
fails with :class:`WorkerCrashed` if that one dies too. Everything that decides what goes in the
archive stays in the crawl's session (in the main process); workers only compute.
"""
from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures import Future
from dataclasses import fields as dataclass_fields
from multiprocessing.connection import wait
from urllib.parse import urljoin, urlsplit

from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

logger = logging.getLogger(__name__)

FEED_XPATH = ('//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")]/@href')
_DENY_EXTENSIONS: tuple[str, ...] | None = None   # Scrapy's LinkExtractor's, see _deny_extensions()
PRELOAD = ("archive.extract", "archive.pages", "archive.fingerprint", "archive.teasers", "crawler.workers")   # what page work imports
STARTUP_TIMEOUT = 120.0   # for a new worker process to import PRELOAD


class WorkerCrashed(RuntimeError):
    """The worker process running a task died (or hung), on the first try and on the retry."""


# -- the work ------------------------------------------------------------------------------
def _deny_extensions() -> tuple[str, ...]:
    """The file extensions Scrapy's LinkExtractor ignores, as ``.ext``. A worker process gets
    them from the pool: importing Scrapy there cost each worker 23 MB and half a second."""
    global _DENY_EXTENSIONS
    if _DENY_EXTENSIONS is None:
        from scrapy.linkextractors import IGNORED_EXTENSIONS
        _DENY_EXTENSIONS = tuple("." + e for e in IGNORED_EXTENSIONS)
    return _DENY_EXTENSIONS


def _links(tree, url: str) -> tuple[list[str], list[str]]:
    """Links (``a``/``area`` ``href``, as Scrapy's LinkExtractor takes them by default) and
    RSS/Atom feeds of a parsed page, absolute, unique, in document order."""
    base = url
    for node in tree.iterfind(".//base[@href]"):
        base = urljoin(url, strip_html5_whitespace(node.get("href")))
        break
    seen, links = set(), []
    for node in tree.iter("a", "area"):
        href = node.get("href")
        if not href:
            continue
        try:
            link = safe_url_string(urljoin(base, strip_html5_whitespace(href)))
        except ValueError:
            continue
        link = link.split("#", 1)[0]
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        if parts.path.lower().endswith(_DENY_EXTENSIONS or _deny_extensions()) or link in seen:
            continue
        seen.add(link)
        links.append(link)
    feeds = []
    for href in tree.xpath(FEED_XPATH):
        try:
            feed = safe_url_string(urljoin(base, strip_html5_whitespace(str(href))))
        except ValueError:
            continue
        if feed not in feeds:
            feeds.append(feed)
    return links, feeds


def _on(url: str, domains: tuple[str, ...]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def page_work(url: str, body: bytes, content_type: str | None, listing_paths: tuple[str, ...] = (),
              allowed_domains: tuple[str, ...] = ()) -> dict:
    """What one HTML page holds: ``links`` (only those on ``allowed_domains`` and their
    subdomains, when given), ``feeds``, and either ``article`` (the fields of
    :class:`archive.extract.Article`) or ``skip`` (why it is not an article)."""
    from archive.extract import extract, parse_html
    from archive.fingerprint import simhash64, simhash_hex, text_sha256
    from archive.pages import skip_reason
    from archive.teasers import split_blocks

    tree = parse_html(body, content_type)
    if tree is None:
        return {"links": [], "feeds": [], "article": None, "skip": "no_main_text"}
    links, feeds = _links(tree, url)
    if allowed_domains:
        links = [link for link in links if _on(link, allowed_domains)]
    found: dict = {}   # page-type evidence of the structure pass, even when no article comes out
    article = extract(tree, url, declared_encoding=content_type, report=found)
    skip = skip_reason(url, article, listing_paths=listing_paths, structure=found.get("structure"))
    if skip or article is None:
        return {"links": links, "feeds": feeds, "skip": skip, "article": None}
    # The fields as they are (Article.to_dict deep-copies them, and pickling copies them anyway),
    # and the fingerprints of the whole text, which the filing uses when cleaning keeps it all.
    fields = {f.name: getattr(article, f.name) for f in dataclass_fields(article)}
    text = "\n".join(split_blocks(article.blocks or article.text.split("\n")))
    fields["fingerprint"] = {"text_sha256": text_sha256(text), "simhash": simhash_hex(simhash64(text))}
    return {"links": links, "feeds": feeds, "skip": skip, "article": fields}


# -- the pool ------------------------------------------------------------------------------
def _worker_main(conn, preload: tuple[str, ...], deny_extensions: tuple[str, ...] | None = None) -> None:
    # Ctrl-C reaches the whole process group: the crawl decides when workers stop, by
    # closing their pipe or sending None; a parent that died closes the pipe too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    global _DENY_EXTENSIONS
    _DENY_EXTENSIONS = deny_extensions
    for module in preload:   # imported before the first task, so its time limit is the task's own
        importlib.import_module(module)
    try:
        conn.send("ready")
    except (BrokenPipeError, OSError):
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        func, args = task
        try:
            result = (True, func(*args))
        except Exception as exc:   # the task's own error, handed back to its caller
            result = (False, exc)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return
        except Exception as exc:   # an unpicklable result or exception
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


class _Task:
    __slots__ = ("func", "args", "future", "attempts")

    def __init__(self, func, args):
        self.func, self.args, self.future, self.attempts = func, args, Future(), 0


class _Worker:
    """One worker process and the dispatcher thread that feeds it."""

    def __init__(self, pool: "WorkerPool", number: int):
        self.pool, self.number = pool, number
        self.process = None
        self.conn = None
        self.thread = threading.Thread(target=self._loop, name=f"archive-worker-{number}", daemon=True)

    def start_process(self) -> None:
        parent, child = self.pool._ctx.Pipe()
        process = self.pool._ctx.Process(target=_worker_main, args=(child, self.pool.preload, _deny_extensions()),
                                         name=f"archive-worker-{self.number}", daemon=True)
        process.start()
        child.close()
        self.process, self.conn = process, parent
        self.ready = False
        self.pool.started += 1

    def _wait_ready(self) -> str | None:
        """Wait for a new process to say it is ready (imports done); else why it is not."""
        if self.ready:
            return None
        if wait([self.conn, self.process.sentinel], timeout=STARTUP_TIMEOUT):
            try:
                if self.conn.recv() == "ready":
                    self.ready = True
                    return None
            except (EOFError, OSError):
                pass
            return f"died at start (exit code {self._exitcode()})"
        self.process.kill()
        return f"did not start within {STARTUP_TIMEOUT:.0f} s"

    def _loop(self) -> None:
        while True:
            task = self.pool._tasks.get()
            if task is None:
                return
            if not task.future.set_running_or_notify_cancel():
                continue
            self._run(task)

    def _run(self, task: _Task) -> None:
        while True:
            task.attempts += 1
            why = self._attempt(task)
            if why is None:
                return
            self.pool.crashes += 1
            self._reap()
            if self.pool._closing:
                task.future.set_exception(WorkerCrashed(f"{why}; the pool is shutting down"))
                return
            self.start_process()
            if task.attempts >= self.pool.max_attempts:
                task.future.set_exception(WorkerCrashed(f"{why}, {task.attempts} times"))
                return
            logger.warning("Archive worker %d %s; running its task again on a new one", self.number, why)

    def _attempt(self, task: _Task) -> str | None:
        """Run the task once; None when it ran (result or its own exception set), else why not."""
        if self.process is None:
            self.start_process()
        why = self._wait_ready()
        if why:
            return why
        try:
            self.conn.send((task.func, task.args))
        except (BrokenPipeError, OSError):
            return "died"
        ready = wait([self.conn, self.process.sentinel], timeout=self.pool.task_timeout)
        if self.conn in ready:
            try:
                ok, value = self.conn.recv()
            except (EOFError, OSError):
                return f"died (exit code {self._exitcode()})"
            if ok:
                task.future.set_result(value)
            else:
                task.future.set_exception(value)
            return None
        if ready:
            return f"died (exit code {self._exitcode()})"
        self.process.kill()
        return f"was killed after {self.pool.task_timeout:.0f} s on one task"

    def _exitcode(self):
        self.process.join(timeout=1)
        return self.process.exitcode

    def _reap(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=5)
            try:
                self.conn.close()
            except OSError:
                pass
            self.process, self.conn = None, None

    def stop(self, deadline: float) -> None:
        process, conn = self.process, self.conn   # the dispatcher may be reaping it meanwhile
        if process is None:
            return
        try:
            conn.send(None)
        except (BrokenPipeError, OSError, ValueError):
            pass
        process.join(timeout=max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.terminate()
            process.join(timeout=2)
        if process.is_alive():
            process.kill()
            process.join(timeout=2)
        try:
            conn.close()
        except OSError:
            pass


class WorkerPool:
    """``size`` worker processes running picklable module-level functions.

    ``submit`` returns a :class:`concurrent.futures.Future`. A worker that dies or runs longer
    than ``task_timeout`` seconds on one task is replaced and the task run again, up to
    ``max_attempts`` times in all; then the future fails with :class:`WorkerCrashed`.
    """

    def __init__(self, size: int, *, task_timeout: float = 120.0, max_attempts: int = 2,
                 start_method: str = "spawn", preload: tuple[str, ...] = PRELOAD):
        if size < 1:
            raise ValueError("a worker pool needs at least one process")
        self.size, self.task_timeout, self.max_attempts = size, task_timeout, max_attempts
        self.preload = tuple(preload)
        self._ctx = multiprocessing.get_context(start_method)
        self._tasks: queue.Queue = queue.Queue()
        self._closing = False
        self._closed = False
        self._lock = threading.Lock()
        self.crashes = 0
        self.started = 0
        self._workers = [_Worker(self, n) for n in range(size)]
        for worker in self._workers:
            worker.start_process()
        for worker in self._workers:
            worker.thread.start()

    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process is not None and w.process.pid]

    def submit(self, func, *args) -> Future:
        with self._lock:
            if self._closing:
                raise RuntimeError("the worker pool is shut down")
            task = _Task(func, args)
            self._tasks.put(task)
        return task.future

    def close(self, timeout: float = 10.0) -> None:
        """Stop: tasks not started are cancelled, running ones may finish within ``timeout``,
        then every worker process is asked to exit, terminated, killed if need be."""
        with self._lock:
            if self._closed:
                return
            self._closing = self._closed = True
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task.future.cancel()
        for _ in self._workers:
            self._tasks.put(None)
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.thread.join(timeout=max(0.0, deadline - time.monotonic()))
        for worker in self._workers:
            worker.stop(deadline)
        logger.debug("Archive worker pool stopped (%d processes started, %d crashes)", self.started, self.crashes)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on Linux
        return max(1, os.cpu_count() or 1)
