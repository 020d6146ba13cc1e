"""One crawl's work on an archive, coordinated: snapshots, warm-up, filing, batches, spool, report.

Usable without Scrapy: the crawler hands it plain dicts from worker threads. The parts:
- :mod:`archive.spool`     local bodies (reference counted) and pages waiting for the store;
- :mod:`archive.filing`    cleaning, decisions and what they do to documents;
- :mod:`archive.documents` documents in memory and their conditional batch write, with merge;
- :mod:`archive.indexes`   block tables and batch intents; near-duplicate and anchor lookups
                           go to the catalogue (:mod:`archive.catalog`), this crawl's changes on top;
- :mod:`archive.report`    the crawl report.

Order of writes, so that a crash at any point loses nothing and corrupts nothing:
1. a fetched body goes to the local spool (``bodies/<sha256>.gz``) and its exchange to the
   crawl's WARC file (local; uploaded when rolled, before the first batch of documents that
   names it, or at the end: a document never names a WARC file the store does not hold);
2. when a page makes a new document or version, its body is stored as a blob, then the
   document is marked dirty;
3. dirty documents are written in batches with conditional writes (create-if-absent, or
   if-match on the entity tag read), merged with the stored one on a conflict; only then are
   their pages reported safe (``on_filed``) and their spooled bodies dropped;
4. the listing is written as a new segment per batch (never rewritten, merged by readers),
   with the block tables' deltas (a batch intent, written before the documents, names them
   until then, so a crash in between is listed at the next start).

The first pages of a site the archive has not seen enough of are held back (a warm-up buffer)
until the site's block table has seen ``warmup_pages`` pages, so they are cleaned as well as the
later ones; at the end, documents filed early in the crawl are cleaned again with the final
table, so a teaser first seen late never stays in an article or makes a version of it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .decisionlog import DecisionLog, log_key as decision_log_key
from .archive import Archive, ArchiveError, blob_key
from .catalog import CatalogOriginals, catalog_near_indexes, catalog_url_index
from .dedup import ANCHORS, NEAR_K, Decision, Deduplicator, UrlIndex
from .documents import DamagedDocument, DocumentBatch, merge_documents
from .filing import Filing, removed_record
from .indexes import BatchIntents, IndexFiles, blocks_key  # noqa: F401
from .keptpages import KeptPages
from .report import crawl_report, new_crawl_id, utcnow
from .spool import Spool, SpoolBusy  # noqa: F401  (SpoolBusy: raised by CrawlSession())
from .store import StoreError
from .teasers import SiteBlocks, site_of, split_blocks
from .urls import choose_canonical
from .validators import Revalidation
from .warc import WarcRef, WarcWriter, recover_spool

logger = logging.getLogger(__name__)

INDEX_FLUSH_EVERY = 200     # dirty documents between batch writes during a crawl
WARMUP_PAGES = 40           # pages of a site seen before its first pages are cleaned
STORE_DOWN_SECONDS = 30.0   # after a store failure (retries exhausted), spool without trying for this long


@dataclass(frozen=True)
class Snapshot:
    """A fetched body: its digest, the blob key it gets when filed, its WARC record."""
    sha256: str
    size: int
    blob: str
    warc: WarcRef | None


class CrawlSession(Filing, Revalidation):
    """Thread-safe: ``store_snapshot`` and ``ingest`` may be called from many threads."""

    def __init__(self, archive: Archive, *, crawl_id: str | None = None, spider: str | None = None,
                 settings: dict | None = None, warmup_pages: int = WARMUP_PAGES,
                 spool_dir: str | os.PathLike | None = None, warc_max_size: int = 100 * 2**20,
                 software: str = "newsarchive/0.1", on_filed=None, index_flush_every: int = INDEX_FLUSH_EVERY,
                 job: dict | None = None, warc_info: dict | None = None, continues=()):
        self.archive = archive
        self.job = job   # the scrapyd job that runs the crawl: id, project, version
        self._requests_at_start = Counter(archive.store.requests)
        self.crawl_id = crawl_id or new_crawl_id()
        # crawl ids of the stopped runs this crawl resumes: their versions count as this crawl's
        self.continues = frozenset(continues) | {self.crawl_id}
        self.spider = spider
        self.settings = dict(settings or {})
        self.warmup_pages = warmup_pages
        self.index_flush_every = index_flush_every
        self.started_at = utcnow()
        self._t0 = time.monotonic()
        self._lock = threading.RLock()
        self._flush_lock = threading.Lock()
        # The spool's body references: taken by store_snapshot (on the crawler's reactor thread,
        # which must not wait for the session's lock while a page is filed), dropped under both.
        self._spool_lock = threading.Lock()
        self.counts: Counter = Counter()
        # A spool this session made for itself (no spool_dir) is removed at its end if empty.
        self._own_spool = spool_dir is None
        self.spool = Spool(spool_dir or tempfile.mkdtemp(prefix="newsarchive-spool-"))
        self.spool_dir = self.spool.path
        # every decision with its evidence, in a file; the report keeps the first ones
        self.decisions = DecisionLog(self.spool_dir / f"decisions-{self.crawl_id}.jsonl")
        self.on_filed = on_filed   # called with each page once it is safe: filed or spooled
        # warc_info: warcinfo fields (operator, robots, http-header-user-agent...)
        archive.store.defer_syncs()   # durable at each batch write (flush), not at each write
        self.warc = WarcWriter(archive.store, self.crawl_id, spool_dir=self.spool_dir / "warc",
                               max_file_size=warc_max_size, software=software, info=warc_info,
                               lookup_original=CatalogOriginals(archive))
        # Lookups go to the local catalogue (synced with the listing segments it has not seen);
        # only what this crawl changes is kept in memory (its listing entries until a segment holds them).
        self.catalog = archive.catalog()
        self.urls = catalog_url_index(self.catalog)
        self._changed_entries: dict[str, dict] = {}   # listing entries not yet in a segment
        self._segments = 0
        self.batch = DocumentBatch(archive, self._lock, self.counts, on_written=self._remember,
                                   crawl_id=self.crawl_id)
        self._unsafe: list[dict] = []             # pages whose documents wait for the next batch write
        self._store_down_until = 0.0
        self._finishing = False
        self.indexes = IndexFiles(archive.store, self.catalog)
        self.intents = BatchIntents(archive.store, self.crawl_id)
        # Near-duplicate and anchor lookups go to the catalogue; this crawl's changes stay in memory.
        self.near, anchors = catalog_near_indexes(self.catalog)
        self.dedup = Deduplicator(self.urls, self.near, self._doc_text, anchors=anchors)
        self._reconcile()
        self.tables: dict[str, SiteBlocks] = {}
        self._pending: dict[str, list[dict]] = {}
        self._filed = KeptPages()             # doc id -> the page that set its text in this crawl (on disk)
        self._init_validators()               # ETag/Last-Modified of article URLs (archive.validators)
        self._best: dict[str, tuple] = {}     # doc id -> rank of that page (see Filing._rank)
        self._base: dict[str, dict | None] = {}   # doc id -> its state before this crawl (None: made here)
        self._seen: set[str] = set()          # documents this crawl saw (last_seen set)
        self._gone: list[tuple] = []          # (url, status, when) of article URLs that answered 404/410

    # -- loading -------------------------------------------------------------------------
    def _reconcile(self) -> None:
        """Documents a killed crawl wrote but did not list join the listing: those its batch
        intents name (one LIST of ``index/pending/``, not of every document)."""
        unlisted = self.intents.unlisted(self.archive, self.catalog)
        for doc in unlisted:
            self._remember(doc)
        if unlisted:
            logger.info("Listed %d documents an interrupted crawl had not listed", len(unlisted))
            self.counts["archive/reconciled_documents"] += len(unlisted)

    def _table(self, site: str) -> SiteBlocks:
        table = self.tables.get(site)
        if table is None:
            table = self.tables[site] = self.indexes.load_table(site)
        return table

    # -- snapshots -----------------------------------------------------------------------
    def store_snapshot(self, body: bytes, *, url: str, fetched_at: str | None = None, status: int = 200,
                       reason: str | None = None, response_headers=(), request_headers=(),
                       warc: WarcRef | None = None, record: bool = True) -> Snapshot:
        """Keep a fetched body in the local spool until its page is filed. Its exchange is
        recorded in the crawl's WARC file here (a revisit record when the payload was captured
        before) unless ``warc`` says where it was already recorded (the crawler records every
        exchange as transferred, before decoding) or ``record`` is false. Nothing here needs
        the store."""
        fetched_at = fetched_at or utcnow()
        sha = hashlib.sha256(body).hexdigest()
        with self._spool_lock:
            self.spool.hold_body(sha, body)
        if warc is None and record:
            warc = self.warc.write(url=url, fetched_at=fetched_at, status=status, reason=reason,
                                   response_headers=list(response_headers), request_headers=list(request_headers),
                                   body=body, payload_sha256=sha)
        return Snapshot(sha, len(body), blob_key(sha), warc)

    # -- pages ---------------------------------------------------------------------------
    def ingest(self, page: dict, *, flush: bool = True) -> Decision | None:
        """File one extracted article page; None while its site is still warming up.
        Every ``index_flush_every`` changed documents it writes a batch (:meth:`flush`), unless
        ``flush`` is false: the caller then runs :meth:`flush_if_due` (in another thread).

        ``page``: ``url`` (as fetched), ``article`` (``archive.extract.Article.to_dict()``),
        ``body_sha256`` and ``body_size`` (from :meth:`store_snapshot`), ``fetched_at``,
        optional ``status``, ``content_type``, ``warc``, ``redirects``.
        """
        page = self._prepare(page)
        with self._lock:
            try:
                if page["site"] not in self.tables and time.monotonic() < self._store_down_until:
                    raise StoreError("the store failed moments ago")
                table = self._table(page["site"])
            except StoreError as exc:
                self._store_failed(exc, f"reading the block table of {page['site']}")
                self._spool_page(page)
                self._safe([page])
                return None
            table.observe(page["canonical"], page["blocks"], page["article"].get("title"))
            if len(table.pages) < self.warmup_pages:
                self._pending.setdefault(page["site"], []).append(page)
                return None
            self._drain(page["site"])
            decision = self._file_safely(page)
        if flush:
            self.flush_if_due()
        return decision

    def flush_due(self) -> bool:
        return len(self.batch.dirty) >= self.index_flush_every and time.monotonic() >= self._store_down_until

    def flush_if_due(self) -> None:
        """Write a batch if enough documents changed; a store failure keeps them for the next."""
        if self.flush_due():
            try:
                self.flush()
            except StoreError as exc:   # kept dirty: the next batch or the end tries again
                with self._lock:
                    self._store_failed(exc, f"writing {len(self.batch.dirty)} documents")

    @staticmethod
    def _prepare(page: dict) -> dict:
        article = page["article"]
        page = dict(page, canonical=choose_canonical(page["url"], article.get("canonical_url")))
        page["site"] = site_of(page["canonical"])
        page["blocks"] = split_blocks(article.get("blocks") or article["text"].split("\n"))
        return page

    def _drain(self, site: str) -> None:
        # Oldest first, shortest URL first: the original before its republished copies, the
        # plain URL before its variants; the same order whatever order the pages came in.
        pending = self._pending.pop(site, [])
        for page in sorted(pending, key=lambda p: (p["article"].get("published") or "9999",
                                                   len(p["canonical"]), p["canonical"], len(p["url"]), p["url"])):
            self._file_safely(page)

    def _file_safely(self, page: dict) -> Decision | None:
        """File a page, or spool it if the store fails (or failed a moment ago: the store's
        own retries have already waited, so the next pages do not wait again)."""
        try:
            if time.monotonic() < self._store_down_until:
                raise StoreError("the store failed moments ago")
            return self._file_tracked(page)
        except StoreError as exc:
            self._store_failed(exc, f"filing {page['url']}")
            self._spool_page(page)
            self._safe([page])
            return None
        except DamagedDocument as exc:
            # Reported and skipped: the damaged document is left as it is for `archive verify`
            # and a person to look at; everything else this crawl files is written.
            logger.error("Skipped %s: %s", page["url"], exc)
            self.counts["archive/error/damaged_document"] += 1
            self.counts["archive/skipped/damaged_document"] += 1
            self._safe([page])
            return None

    def _store_failed(self, exc: Exception, doing: str) -> None:
        if time.monotonic() >= self._store_down_until:
            logger.warning("Store failed while %s (%s): spooling for the next %.0f s", doing, exc,
                           STORE_DOWN_SECONDS)
            self.counts["archive/store_failures"] += 1
        self._store_down_until = time.monotonic() + STORE_DOWN_SECONDS

    def _file_tracked(self, page: dict) -> Decision:
        """File a page; it is safe now if nothing needs writing, else after the next batch."""
        decision = self._file(page)
        page["doc_id"] = decision.doc_id
        self._record_fetch(page, decision.doc_id)
        if decision.doc_id in self.batch.dirty:
            self._unsafe.append(page)
        else:
            self._safe([page])
        return decision

    def _safe(self, pages: list[dict]) -> None:
        for page in pages:
            if not page.get("spooled_page"):
                with self._spool_lock:
                    self.spool.release_body(page.get("body_sha256"))
            if self.on_filed is not None:
                self.on_filed(page)

    def _spool_page(self, page: dict) -> None:
        keep = {k: v for k, v in page.items() if k not in ("canonical", "site", "blocks", "_fingerprint")}
        self.counts["archive/spool/pages"] += 1
        self.spool.save_page(f"{self.crawl_id}-{self.counts['archive/spool/pages']:06d}.json", keep)
        page["spooled_page"] = True   # its body stays in the spool with it

    def spooled_pages(self) -> list[Path]:
        return self.spool.pages()

    # -- batch writes ----------------------------------------------------------------------
    def flush(self) -> None:
        """Write dirty documents (named first in a batch intent), then a listing segment and
        the block tables' deltas; then tell ``on_filed`` about the pages now safe. Every ``index_flush_every``
        dirty documents and at the end, so a killed crawl loses little."""
        with self._flush_lock:
            with self._lock:   # the WARC files the documents name are stored before them
                warcs = {v["warc"]["file"] for doc_id in self.batch.dirty
                         for v in self.batch.docs[doc_id].get("versions", ()) if v.get("warc")}
                dirty = sorted(self.batch.dirty)   # their blobs are written (by _file, under this lock)
            self.warc.ensure_stored(warcs)
            self.intents.begin(dirty)   # before the documents: a crash after them is listed at the next start
            # Writes may return before they are durable (Store.defer_syncs): each sync waits for
            # all of them, in an order that never lets a document name a blob, text or WARC
            # file a crash could lose, nor a listing name a lost document.
            self.archive.store.sync()
            self.batch.write(dirty)
            self.archive.store.sync()
            with self._lock:
                entries = dict(self._changed_entries)
                tables = dict(self.tables)
                safe = [p for p in self._unsafe if p["doc_id"] not in self.batch.dirty]
            # One compaction per batch at most (the listing's first, else one site's block deltas):
            # each is bounded (merge_plan), and the sites whose deltas were due together (every
            # site a batch touches adds one) would otherwise all merge in the same batch.
            compacted = False
            if entries:
                self._segments += 1
                name = f"{self.crawl_id}-{self._segments:04d}"
                self.archive.save_listing_segment(name, entries)
                compacted = self.archive.compact_listing(name + "-merged")
            if entries or not dirty:
                self.intents.listed()
            # Block tables grow with a site's pages: a batch (and the end) writes what it taught
            # them, a delta per site touched; the catalogue sums them up (IndexFiles.load_table).
            for site, table in tables.items():
                with self._lock:
                    compacted = self.indexes.save_delta(site, table, f"{self.crawl_id}-{len(table.written_deltas) + 1:05d}",
                                                        compact=not compacted) or compacted
            self.archive.store.sync()   # all of the batch, before its pages are reported safe
            with self._lock:
                for doc_id in entries:
                    if self._changed_entries.get(doc_id) is entries[doc_id]:
                        del self._changed_entries[doc_id]
                        # in the catalogue now (save_listing_segment): the crawl's layers let go
                        self.near.settle([doc_id])
                        self.dedup.anchors.settle([f"{doc_id}/{n}" for n in range(ANCHORS)])
                ids = {id(p) for p in safe}
                self._unsafe = [p for p in self._unsafe if id(p) not in ids]
                self._safe(safe)
                self.batch.evict_written()

    # -- spool ---------------------------------------------------------------------------
    def replay_spool(self) -> int:
        """File what an earlier crawl left in this spool: its WARC files, listing entries,
        report and pages. Returns how many pages were filed; stops at a store failure,
        keeping what is left for the next try."""
        recovered = recover_spool(self.archive.store, self.spool_dir / "warc")
        self.counts["archive/spool/warc_files_recovered"] += len(recovered)
        for path in self.spool.listings():
            self.archive.save_listing_segment(path.stem, json.loads(path.read_bytes()))
            path.unlink()
        for path in self.spool.reports():
            self.archive.save_report(json.loads(path.read_bytes()))
            path.unlink()
        paths = self.spooled_pages()
        pages = [(path, json.loads(path.read_bytes())) for path in paths]
        with self._lock, self._spool_lock:
            for _, page in pages:
                self.spool.hold_body(page.get("body_sha256"))
        done, replayed = [], []
        with self._lock:
            try:
                for path, page in pages:
                    page = self._prepare(page)
                    replayed.append(page)
                    self._table(page["site"]).observe(page["canonical"], page["blocks"],
                                                      page["article"].get("title"))
                    self._file_tracked(page)
                    done.append(path)
                if done:
                    self.flush()   # one batch write for them all; the spool files go only after it
            except StoreError as exc:
                logger.warning("Store still failing (%s): %d spooled pages kept", exc, len(pages))
                ids = {id(p) for p in replayed}   # still in the spool: never spooled twice
                self._unsafe = [p for p in self._unsafe if id(p) not in ids]
                return 0
        for path in done:
            path.unlink()
        filed = len(done)
        self.counts["archive/spool/pages_filed"] += filed
        # Bodies no page needs any more: those of pages a killed crawl had not filed yet are
        # fetched again on resume.
        with self._lock, self._spool_lock:
            self.spool.drop_unreferenced_bodies()
        return filed

    # -- end -----------------------------------------------------------------------------
    def finish(self, stats: dict | None = None, *, reason: str = "finished") -> dict:
        """File what is still held back, clean again, write everything and the crawl report.

        If the store fails here, the pages not yet written are spooled, and the listing entries
        and the report wait in the spool for the next crawl or ``archive flush``; block tables
        are relearned, so they are not spooled."""
        with self._lock:
            self._finishing = True
            for site in list(self._pending):
                self._drain(site)
            self._reclean()
            self._filed.close()   # its temporary database goes
            self._apply_gone()
            try:
                self.warc.close()
            except StoreError as exc:
                left = self.warc.abandon()
                logger.warning("WARC upload failed (%s): %d files stay in %s for 'archive flush'", exc,
                               len(left), self.spool_dir / "warc")
                self.counts["archive/spool/warc_files"] += len(left)
        try:
            self.flush()
            self._save_validators()
            if len(self.decisions):   # none after an unchanged recrawl: it writes only report, WARC, CDXJ
                self.archive.store.put(decision_log_key(self.crawl_id), self.decisions.gzipped(),
                                       content_type="application/x-ndjson", content_encoding="gzip")
            report = self._report(stats, reason)   # its request counts include the log's PUT
            self.archive.save_report(report)
            self.archive.store.sync()
            self.decisions.close()
        except StoreError as exc:
            with self._lock:
                unsafe, self._unsafe = self._unsafe, []
                for page in unsafe:
                    self._spool_page(page)
                self._safe(unsafe)
                entries = {i: e for i, e in self._changed_entries.items() if i not in self.batch.dirty}
            report = self._report(stats, reason)
            self.spool.save_listing(self.crawl_id, entries)
            self.spool.save_report(self.crawl_id, report)
            logger.warning("Store failed at the end of the crawl (%s): %d pages, the listing and the report "
                           "wait in %s", exc, len(unsafe), self.spool_dir)
            report["counts"]["archive/spool/listing_entries"] = len(entries)
        self._end_spool()
        return report

    def close(self) -> None:
        """Release the spool without finishing (a session given up on); :meth:`finish` does it too."""
        self.decisions.close()   # nothing to report: its decision log goes
        self._end_spool()

    def _end_spool(self) -> None:
        """Release the spool (and the block tables' snapshot); one made for this session alone goes
        too, unless something waits in it."""
        self.indexes.close()
        self._filed.close()
        if self._own_spool:
            if not self.spool.remove_if_empty():
                logger.warning("Pages wait in %s: run 'archive flush --spool %s' once the store is back",
                               self.spool_dir, self.spool_dir)
        else:
            self.spool.release()

    def _report(self, stats: dict | None, reason: str) -> dict:
        counts = {**(stats or {}), **self.counts}
        counts["archive/spool/pages_waiting"] = len(self.spooled_pages())
        return crawl_report(
            crawl_id=self.crawl_id, spider=self.spider, archive_uri=self.archive.uri,
            started_at=self.started_at, elapsed=time.monotonic() - self._t0, reason=reason,
            settings=self.settings, counts=counts, job=self.job,
            requests=Counter(self.archive.store.requests) - self._requests_at_start,
            warc_files=self.warc.files(), decisions=self.decisions.head,
            new_documents=self.counts.get("archive/decision/new", 0),
            damaged_documents=sorted(self.batch.damaged)) | {
            "resumes": sorted(self.continues - {self.crawl_id}),   # the stopped runs it continues
            "decisions_count": len(self.decisions),
            "decisions_log": decision_log_key(self.crawl_id) if len(self.decisions) else None}


__all__ = ["CrawlSession", "Snapshot", "merge_documents", "removed_record"]
