"""A crawl's local spool: fetched bodies until their pages are safe, and pages (with the
listing entries and report) that could not be written because the store failed.

Layout of a spool folder::

    bodies/<sha256>.gz          fetched bodies, gzip, one per distinct payload
    pages/<crawl>-<n>.json      pages to file again (their bodies stay in bodies/)
    listing-<crawl>-*.json      listing entries a crawl could not write
    report-<crawl>.json         a crawl report it could not save
    warc/                       the WarcWriter's local files

Bodies are reference counted: each page holding one (fetched, or waiting in pages/) counts once,
and a body goes when its last page is safe.

A spool belongs to one session at a time: the session holds an exclusive ``flock`` on
``.lock`` from its start to its end (the kernel drops it if the process dies), so a second crawl,
or ``archive flush``, on the same folder is refused instead of deleting bodies the first still needs.
"""
from __future__ import annotations

import errno
import fcntl
import gzip
import json
import os
from collections import Counter
from pathlib import Path


class SpoolBusy(Exception):
    """Another crawl is using this spool."""


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Spool:
    """Not thread-safe by itself: the session calls it under its own lock."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        (self.path / "pages").mkdir(parents=True, exist_ok=True)
        (self.path / "bodies").mkdir(parents=True, exist_ok=True)
        self.refs: Counter = Counter()   # body sha256 -> pages still needing it
        self._lock_file = open(self.path / ".lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock_file.close()
            self._lock_file = None
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise SpoolBusy(f"the spool {self.path} is in use by another crawl; give this one its own "
                                f"(ARCHIVE_SPOOL_DIR) or wait for that one to end") from None
            raise
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"{os.getpid()}\n")
        self._lock_file.flush()

    def release(self) -> None:
        """Let another session use this spool (at the end of a crawl)."""
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def remove_if_empty(self) -> bool:
        """Remove the spool folder if nothing waits in it (a crawl's own spool, at its end)."""
        self.release()
        (self.path / ".lock").unlink(missing_ok=True)
        for folder in sorted((p for p in self.path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            try:
                folder.rmdir()
            except OSError:
                pass
        try:
            self.path.rmdir()
            return True
        except OSError:
            return False

    # -- bodies ----------------------------------------------------------------------------
    def body_path(self, sha: str) -> Path:
        return self.path / "bodies" / f"{sha}.gz"

    def hold_body(self, sha: str, body: bytes | None = None) -> None:
        """One more page needs this body; written (once) when ``body`` is given."""
        self.refs[sha] += 1
        if body is not None:
            path = self.body_path(sha)
            if not path.exists():
                write_atomic(path, gzip.compress(body, compresslevel=6, mtime=0))

    def release_body(self, sha: str | None) -> None:
        if not sha:
            return
        self.refs[sha] -= 1
        if self.refs[sha] <= 0:
            del self.refs[sha]
            self.body_path(sha).unlink(missing_ok=True)

    def drop_unreferenced_bodies(self) -> None:
        """Bodies no page of this spool needs any more."""
        for body in (self.path / "bodies").glob("*.gz"):
            if not self.refs.get(body.name[:-len(".gz")]):
                body.unlink()

    # -- pages -----------------------------------------------------------------------------
    def save_page(self, name: str, page: dict) -> None:
        write_atomic(self.path / "pages" / name, json.dumps(page, ensure_ascii=False).encode("utf-8"))

    def pages(self) -> list[Path]:
        return sorted((self.path / "pages").glob("*.json"))

    # -- what a crawl could not write at its end ---------------------------------------------
    def save_listing(self, crawl_id: str, entries: dict) -> None:
        write_atomic(self.path / f"listing-{crawl_id}-spooled.json", json.dumps(entries).encode())

    def save_report(self, crawl_id: str, report: dict) -> None:
        write_atomic(self.path / f"report-{crawl_id}.json", json.dumps(report).encode())

    def listings(self) -> list[Path]:
        return sorted(self.path.glob("listing-*.json"))

    def reports(self) -> list[Path]:
        return sorted(self.path.glob("report-*.json"))


def default_spool(settings, crawl_id: str) -> str:
    """A crawl's spool folder from its settings: ``ARCHIVE_SPOOL_DIR`` (shared on purpose, locked
    while in use), the job's (``JOBDIR/archive-spool``, so a resumed job files what it left), else
    its own ``.archive-spool/<crawl-id>``, which ``archive flush`` finds and which goes when empty."""
    if settings.get("ARCHIVE_SPOOL_DIR"):
        return settings.get("ARCHIVE_SPOOL_DIR")
    if settings.get("JOBDIR"):
        return os.path.join(settings["JOBDIR"], "archive-spool")
    return os.path.join(".archive-spool", crawl_id)
