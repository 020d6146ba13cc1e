"""Reads run ahead of their use: ``ordered(fn, items)`` calls ``fn`` on a few threads and yields
the results in the items' order, with at most ``window`` of them in flight or waiting.

For the commands that visit every document (``verify``, ``export``): each visit is a store read
or two (one GET on S3, a file read locally) followed by a little CPU. One at a time, a million
documents on S3 cost a million round trips in a row; a few reads in flight overlap them, and
the window keeps memory flat whatever the archive's size (results are consumed as they come).
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

THREADS = 8


def ordered(fn: Callable[[T], R], items: Iterable[T], *, threads: int = THREADS,
            window: int | None = None) -> Iterator[R]:
    """``map(fn, items)``, with up to ``window`` (default ``4 * threads``) calls ahead of the
    consumer. An exception from ``fn`` is raised where its result would have been yielded;
    a consumer that stops early leaves no thread running once the generator is closed."""
    if threads <= 1:
        yield from map(fn, items)
        return
    window = window or 4 * threads
    pending = deque()
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="prefetch")
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)


__all__ = ["THREADS", "ordered"]
