"""One crawl's work on an archive: snapshots, cleaning, decisions, documents, indexes, report.

Usable without Scrapy: the crawler hands it plain dicts from worker threads.

Order of writes, so that a crash at any point loses nothing and corrupts nothing:
1. a fetched body goes to the local spool (``bodies/<sha256>.gz``) and its exchange to the
   crawl's WARC file (local, uploaded when rolled or at the end);
2. when a page makes a new document or version, its body is stored as a blob, then the
   document is marked dirty;
3. dirty documents are written in batches with conditional writes (create-if-absent, or
   if-match on the entity tag read), merged with the stored one on a conflict; only then are
   their pages reported safe (``on_filed``) and their spooled bodies dropped;
4. the listing is written as a new segment per batch (never rewritten, merged by readers),
   with the block tables and the near-duplicate index.

The first pages of a site the archive has not seen enough of are held back (a warm-up buffer)
until the site's block table has seen ``warmup_pages`` pages, so they are cleaned as well as the
later ones; at the end, documents filed early in the crawl are cleaned again with the final
table, so a teaser first seen late never stays in an article or makes a version of it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .archive import Archive, ArchiveError, blob_key, doc_id_for, listing_entry
from .dedup import ALIAS, NEAR_K, NEW, UNCHANGED, VERSION, Decision, Deduplicator, UrlIndex, anchor_hashes
from .fingerprint import simhash64, simhash_hex, text_sha256
from .neardup import NearDupIndex
from .store import KeyNotFound, StoreError
from .teasers import SiteBlocks, clean, site_of, split_blocks, teaser_only_change
from .urls import canonical_url, choose_canonical
from .warc import WarcRef, WarcWriter, digest_hex, read_cdxj, recover_spool, timestamp14

logger = logging.getLogger(__name__)

METADATA_FIELDS = ("author", "section", "tags", "description", "language", "image")
INDEX_FLUSH_EVERY = 200     # dirty documents between batch writes during a crawl
WARMUP_PAGES = 40           # pages of a site seen before its first pages are cleaned
RECLEAN_LIMIT = 5000        # documents per crawl whose raw blocks are kept for the final re-clean
DOC_CACHE = 2000            # written documents kept in memory between batches
CONFLICT_RETRIES = 8
STORE_DOWN_SECONDS = 30.0   # after a store failure (retries exhausted), spool without trying for this long
NEARDUP_KEY = "index/neardup.bin"
ANCHORS_KEY = "index/anchors.bin"


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def blocks_key(site: str) -> str:
    return f"index/blocks/{site or '_'}.bin"


@dataclass(frozen=True)
class Snapshot:
    """A fetched body: its digest, the blob key it gets when filed, its WARC record."""
    sha256: str
    size: int
    blob: str
    warc: WarcRef | None


def merge_documents(stored: dict, ours: dict) -> dict:
    """Two writers changed one document: keep every alias and every version of both, and the
    text of whichever saw the newest fetch."""
    merged = dict(stored)
    known = {stored["url"], *stored.get("aliases", ())}
    merged["aliases"] = list(stored.get("aliases", [])) + [a for a in ours.get("aliases", ()) if a not in known]
    seen = {(v.get("text_sha256"), v.get("fetched_at")) for v in stored.get("versions", ())}
    versions = list(stored.get("versions", [])) + [v for v in ours.get("versions", ())
                                                  if (v.get("text_sha256"), v.get("fetched_at")) not in seen]
    versions.sort(key=lambda v: v.get("fetched_at") or "")
    merged["versions"] = versions
    newest = max((stored, ours), key=lambda d: (d.get("versions") or [{}])[-1].get("fetched_at") or "")
    for name in ("text", "removed", "title", "published", "site", *METADATA_FIELDS):
        if name in newest:
            merged[name] = newest[name]
    merged["first_seen"] = min(filter(None, (stored.get("first_seen"), ours.get("first_seen"))), default=None)
    merged["rev"] = max(stored.get("rev") or 0, ours.get("rev") or 0)
    return merged


class CrawlSession:
    """Thread-safe: ``store_snapshot`` and ``ingest`` may be called from many threads."""

    def __init__(self, archive: Archive, *, crawl_id: str | None = None, spider: str | None = None,
                 settings: dict | None = None, warmup_pages: int = WARMUP_PAGES,
                 spool_dir: str | os.PathLike | None = None, warc_max_size: int = 100 * 2**20,
                 software: str = "newsarchive/0.1", on_filed=None, index_flush_every: int = INDEX_FLUSH_EVERY):
        self.archive = archive
        self._requests_at_start = Counter(archive.store.requests)
        self.crawl_id = crawl_id or new_crawl_id()
        self.spider = spider
        self.settings = dict(settings or {})
        self.warmup_pages = warmup_pages
        self.index_flush_every = index_flush_every
        self.started_at = utcnow()
        self._t0 = time.monotonic()
        self._lock = threading.RLock()
        self._flush_lock = threading.Lock()
        self.counts: Counter = Counter()
        self.decisions: list[dict] = []
        self.spool_dir = Path(spool_dir or tempfile.mkdtemp(prefix="newsarchive-spool-"))
        (self.spool_dir / "pages").mkdir(parents=True, exist_ok=True)
        (self.spool_dir / "bodies").mkdir(parents=True, exist_ok=True)
        self.on_filed = on_filed   # called with each page once it is safe: filed or spooled
        self._originals: dict[str, tuple[str, str]] | None = None   # payload sha256 -> first capture
        self._captured: dict[str, tuple[str, str]] = {}             # ...of payloads new in this crawl
        self.warc = WarcWriter(archive.store, self.crawl_id, spool_dir=self.spool_dir / "warc",
                               max_file_size=warc_max_size, software=software, lookup_original=self._original)
        self.listing = archive.load_listing()
        self.urls = UrlIndex.from_listing(self.listing)
        self._changed_entries: dict[str, dict] = {}   # listing entries not yet in a segment
        self._segments = 0
        self._docs: dict[str, dict] = {}      # documents read or written in this crawl
        self._etags: dict[str, str | None] = {}   # ...their entity tags (None: not created yet)
        self._dirty: set[str] = set()             # ...changed since the last batch write
        self._unsafe: list[dict] = []             # pages whose documents wait for that write
        self._body_refs: Counter = Counter()      # spooled bodies -> pages still needing them
        self._store_down_until = 0.0
        self._index_digests: dict[str, str] = {}  # index key -> sha256 of the bytes the store holds
        self._reconcile()
        self.near = self._load_index(NEARDUP_KEY, NEAR_K, len(self.urls.latest_fp),
                                     lambda: self.urls.latest_fp.items())
        anchors = {f"{i}/{n}": int(h, 16) for i, e in self.listing.items() for n, h in enumerate(e.get("anchors") or ())}
        self.dedup = Deduplicator(self.urls, self.near, self._doc_text,
                                  anchors=self._load_index(ANCHORS_KEY, 0, len(anchors), anchors.items))
        self.tables: dict[str, SiteBlocks] = {}
        self._pending: dict[str, list[dict]] = {}
        self._filed: dict[str, dict] = {}     # doc id -> the page that set its text in this crawl

    # -- loading -------------------------------------------------------------------------
    def _reconcile(self) -> None:
        """Documents a killed crawl wrote but did not list yet join the listing (one LIST)."""
        unlisted = [doc_id for doc_id in self.archive.iter_doc_ids() if doc_id not in self.listing]
        for doc_id in unlisted:
            try:
                doc = self.archive.load_document(doc_id)
            except ArchiveError as exc:
                logger.warning("Skipping unreadable document %s: %s", doc_id, exc)
                continue
            self._remember_listing(doc)
        if unlisted:
            logger.info("Listed %d documents an interrupted crawl had not listed", len(unlisted))
            self.counts["archive/reconciled_documents"] += len(unlisted)

    def _load_index(self, key: str, k: int, expected: int, items) -> NearDupIndex:
        """A saved index, or one rebuilt from the listing when missing, unreadable or stale."""
        try:
            index = NearDupIndex.from_bytes(self._get_index(key))
        except KeyNotFound:
            index = None
        except ValueError as exc:
            logger.warning("Index %s unreadable (%s); rebuilding it from the listing", key, exc)
            index = None
        if index is None or index.k != k or len(index) != expected or \
                any(doc_id not in index for doc_id in self._changed_entries if k):
            index = NearDupIndex(k=k)
            index.update(items())
        return index

    def _get_index(self, key: str) -> bytes:
        data = self.archive.store.get(key)
        self._index_digests[key] = hashlib.sha256(data).hexdigest()
        return data

    def _put_index(self, key: str, data: bytes) -> None:
        """Write an index unless the store already holds exactly these bytes."""
        digest = hashlib.sha256(data).hexdigest()
        if self._index_digests.get(key) != digest:
            self.archive.store.put(key, data, content_type="application/octet-stream")
            self._index_digests[key] = digest

    def _table(self, site: str) -> SiteBlocks:
        table = self.tables.get(site)
        if table is None:
            try:
                table = SiteBlocks.from_bytes(self._get_index(blocks_key(site)))
            except KeyNotFound:
                table = SiteBlocks()
            except ValueError as exc:
                logger.warning("Block table of %s unreadable (%s); starting a new one", site, exc)
                table = SiteBlocks()
            self.tables[site] = table
        return table

    def _doc(self, doc_id: str) -> dict:
        doc = self._docs.get(doc_id)
        if doc is None:
            doc, etag = self.archive.load_document_tagged(doc_id)
            self._docs[doc_id], self._etags[doc_id] = doc, etag
        return doc

    def _doc_text(self, doc_id: str) -> str:
        return self._doc(doc_id).get("text") or ""

    # -- snapshots -----------------------------------------------------------------------
    def _original(self, sha: str) -> tuple[str, str] | None:
        """The first capture (URI, date) of a payload: this crawl's, else the archive's CDXJ."""
        with self._lock:
            if sha in self._captured:
                return self._captured[sha]
            if self._originals is None:
                self._originals = {}
                try:
                    for line in read_cdxj(self.archive.store):
                        if line.get("mime") != "warc/revisit":
                            self._originals.setdefault(digest_hex(line.get("digest", "")),
                                                       (line["url"], line["timestamp"]))
                except (StoreError, ValueError) as exc:
                    logger.warning("Earlier WARC indexes unreadable (%s): repeated payloads get full records", exc)
            return self._originals.get(sha)

    def store_snapshot(self, body: bytes, *, url: str, fetched_at: str | None = None, status: int = 200,
                       reason: str | None = None, response_headers=(), request_headers=()) -> Snapshot:
        """Keep a fetched body in the local spool until its page is filed, and record the
        exchange in the crawl's WARC file (a revisit record when the payload was captured
        before). Nothing here needs the store."""
        fetched_at = fetched_at or utcnow()
        sha = hashlib.sha256(body).hexdigest()
        path = self._body_path(sha)
        with self._lock:
            self._body_refs[sha] += 1
            if not path.exists():
                _write_atomic(path, gzip.compress(body, compresslevel=6, mtime=0))
        warc_ref = self.warc.write(url=url, fetched_at=fetched_at, status=status, reason=reason,
                                   response_headers=list(response_headers), request_headers=list(request_headers),
                                   body=body, payload_sha256=sha, is_new_payload=False)
        with self._lock:
            self._captured.setdefault(sha, (url, timestamp14(fetched_at)))
        return Snapshot(sha, len(body), blob_key(sha), warc_ref)

    def _body_path(self, sha: str) -> Path:
        return self.spool_dir / "bodies" / f"{sha}.gz"

    def _release_body(self, sha: str | None) -> None:
        if not sha:
            return
        self._body_refs[sha] -= 1
        if self._body_refs[sha] <= 0:
            del self._body_refs[sha]
            self._body_path(sha).unlink(missing_ok=True)

    def _store_blob(self, page: dict) -> None:
        """The page's body as a blob (once per distinct bytes), before any document names it."""
        sha = page["body_sha256"]
        try:
            data = self._body_path(sha).read_bytes()
        except FileNotFoundError:
            if self.archive.store.exists(blob_key(sha)):
                return
            raise ArchiveError(f"the body of {page['url']} is neither spooled nor stored") from None
        ref = self.archive.put_blob_gz(sha, page.get("body_size") or 0, data)
        if ref.new:
            self.counts["archive/blobs_new"] += 1
            self.counts["archive/bytes_stored"] += ref.stored_size
        else:
            self.counts["archive/blobs_existing"] += 1

    # -- documents -----------------------------------------------------------------------
    def ingest(self, page: dict) -> Decision | None:
        """File one extracted article page; None while its site is still warming up.

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
            flush = len(self._dirty) >= self.index_flush_every
        if flush and time.monotonic() >= self._store_down_until:
            try:
                self.flush()
            except StoreError as exc:   # kept dirty: the next batch or the end tries again
                with self._lock:
                    self._store_failed(exc, f"writing {len(self._dirty)} documents")
        return decision

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
        if decision.doc_id in self._dirty:
            self._unsafe.append(page)
        else:
            self._safe([page])
        return decision

    def _safe(self, pages: list[dict]) -> None:
        for page in pages:
            if not page.get("spooled_page"):
                self._release_body(page.get("body_sha256"))
            if self.on_filed is not None:
                self.on_filed(page)

    def _spool_page(self, page: dict) -> None:
        keep = {k: v for k, v in page.items() if k not in ("canonical", "site", "blocks")}
        self.counts["archive/spool/pages"] += 1
        name = f"{self.crawl_id}-{self.counts['archive/spool/pages']:06d}.json"
        _write_atomic(self.spool_dir / "pages" / name, json.dumps(keep, ensure_ascii=False).encode("utf-8"))
        page["spooled_page"] = True   # its body stays in the spool with it

    def spooled_pages(self) -> list[Path]:
        return sorted((self.spool_dir / "pages").glob("*.json"))

    def _clean(self, page: dict):
        return clean(page["blocks"], title=page["article"].get("title"), key=page["canonical"],
                     table=self._table(page["site"]))

    def _file(self, page: dict) -> Decision:
        article, fetched, canonical = page["article"], page["url"], page["canonical"]
        cleaned = self._clean(page)
        text = cleaned.text
        sha, fp = text_sha256(text), simhash64(text)
        decision = self.dedup.decide(canonical=canonical, fetched_key=canonical_url(fetched), text=text,
                                     text_sha=sha, fp=fp, new_id=doc_id_for(canonical), blocks=cleaned.blocks)
        if decision.action == VERSION:
            doc = self._doc(decision.doc_id)
            old = doc["text"].split("\n") if doc["text"] else []
            if teaser_only_change(old, cleaned.blocks, key=canonical, table=self._table(page["site"])):
                # Only teasers differ (leaked into one text, learned since): no new version. The
                # stored text is replaced in place when the new one is the cleaner of the two.
                decision.action = UNCHANGED
                decision.evidence["layer"] = "url-teasers-only"
                if set(cleaned.blocks) < set(old):
                    self._set_text(doc, text, cleaned.removed, sha, fp)
                    self.counts["archive/teasers/documents_recleaned"] += 1
        version = {
            "fetched_at": page.get("fetched_at") or utcnow(),
            "url": fetched,
            "text_sha256": sha,
            "simhash": simhash_hex(fp),
            "blob": blob_key(page["body_sha256"]),
            "body_sha256": page["body_sha256"],
            "status": page.get("status"),
            "content_type": page.get("content_type"),
            "crawl_id": self.crawl_id,
        }
        if page.get("warc"):
            version["warc"] = page["warc"]
        if decision.action in (NEW, VERSION):
            self._store_blob(page)   # blobs before the documents that name them
        if decision.action == NEW:
            doc = self._new_document(decision.doc_id, canonical, article, version, text, cleaned.removed)
            if fetched != canonical:
                doc["aliases"].append(fetched)
            # Created with create-if-absent: if another crawl made it meanwhile, merged on write.
            self._docs[doc["id"]], self._etags[doc["id"]] = doc, None
            self._touch(doc)
        else:
            self._apply(self._doc(decision.doc_id), decision, page, version, text, cleaned.removed)
        if decision.action in (NEW, VERSION) and len(self._filed) < RECLEAN_LIMIT:
            self._filed[decision.doc_id] = page
        self._count_removed(cleaned.removed)
        self.counts[f"archive/decision/{decision.action}"] += 1
        self.decisions.append(decision.to_dict())
        return decision

    def _new_document(self, doc_id, canonical, article, version, text, removed) -> dict:
        doc = {
            "id": doc_id,
            "url": canonical,
            "aliases": [],
            "title": article.get("title"),
            "text": text,
            "published": article.get("published"),
            "site": article.get("site"),
        }
        doc.update({k: article.get(k) for k in METADATA_FIELDS})
        doc["first_seen"] = version["fetched_at"]
        doc["removed"] = removed_record(removed)
        doc["versions"] = [version]
        doc["rev"] = 0
        return doc

    def _apply(self, doc: dict, decision: Decision, page: dict, version: dict, text: str, removed) -> None:
        """Apply a decision on an existing document; an unknown URL turns 'unchanged' into 'alias'."""
        changed = False
        known = {doc["url"], *doc.get("aliases", ())}
        for url in (page["url"], page["canonical"]):
            if url not in known:
                doc.setdefault("aliases", []).append(url)
                known.add(url)
                changed = True
        if decision.action == VERSION:
            doc["versions"].append(version)
            doc["text"] = text
            doc["removed"] = removed_record(removed)
            for name in ("title", "published", "site", *METADATA_FIELDS):
                if page["article"].get(name):
                    doc[name] = page["article"][name]
            changed = True
        elif decision.action == UNCHANGED and changed:
            decision.action = ALIAS
        if changed:
            self._touch(doc)

    def _set_text(self, doc: dict, text: str, removed: list[dict], sha: str, fp: int) -> None:
        """Replace the latest version's text in place (a better cleaning of the same fetch)."""
        doc["text"] = text
        doc["removed"] = removed_record(removed)
        doc["versions"][-1].update(text_sha256=sha, simhash=simhash_hex(fp))
        self._touch(doc)

    def _touch(self, doc: dict) -> None:
        self._dirty.add(doc["id"])
        self._remember(doc)

    def _count_removed(self, removed: list[dict]) -> None:
        if removed:
            self.counts["archive/teasers/pages_cleaned"] += 1
            self.counts["archive/teasers/blocks_removed"] += len(removed)

    def _remember(self, doc: dict) -> None:
        entry = self._remember_listing(doc)
        self.dedup.remember(doc["id"], doc["url"], entry["text_sha256"], int(entry["simhash"], 16),
                            [int(h, 16) for h in entry["anchors"]])

    def _remember_listing(self, doc: dict) -> dict:
        entry = listing_entry(doc)
        entry["alias_keys"] = sorted({canonical_url(a) for a in doc.get("aliases", ())} - {doc["url"]})
        entry["anchors"] = [f"{h:016x}" for h in anchor_hashes(doc["text"].split("\n") if doc.get("text") else [])]
        self.listing[doc["id"]] = entry
        self._changed_entries[doc["id"]] = entry
        self.urls.add(doc["id"], *doc.get("aliases", ()), *entry["alias_keys"])
        self.urls.set_latest(doc["id"], doc["url"], entry["text_sha256"], int(entry["simhash"], 16))
        return entry

    # -- batch writes ----------------------------------------------------------------------
    def _write_documents(self) -> None:
        """Write the dirty documents (conditional writes; merge and retry on a conflict)."""
        with self._lock:
            dirty = sorted(self._dirty)
        for doc_id in dirty:
            for _ in range(CONFLICT_RETRIES):
                with self._lock:
                    doc = self._docs[doc_id]
                    doc["rev"] = (doc.get("rev") or 0) + 1
                    etag = self._etags.get(doc_id)
                    snapshot = json.loads(json.dumps(doc))
                if etag is None:
                    new_tag = self.archive.create_document(snapshot)
                else:
                    new_tag = self.archive.update_document(snapshot, etag)
                if new_tag:
                    with self._lock:
                        self._etags[doc_id] = new_tag
                        if self._docs[doc_id].get("rev") == snapshot["rev"]:
                            self._dirty.discard(doc_id)
                        self._remember(self._docs[doc_id])
                    break
                # Someone else wrote it since we read it: merge ours into theirs and try again.
                stored, stored_tag = self.archive.load_document_tagged(doc_id)
                with self._lock:
                    self._docs[doc_id] = merge_documents(stored, self._docs[doc_id])
                    self._etags[doc_id] = stored_tag
                    self.counts["archive/write_conflicts_merged"] += 1
            else:
                raise StoreError(f"document {doc_id} kept changing under us ({CONFLICT_RETRIES} conflicts)")

    def flush(self) -> None:
        """Write dirty documents, then a listing segment, block tables and the near-duplicate
        index; then tell ``on_filed`` about the pages now safe. Every ``index_flush_every``
        dirty documents and at the end, so a killed crawl loses little."""
        with self._flush_lock:
            self._write_documents()
            with self._lock:
                entries = dict(self._changed_entries)
                tables = {site: table.to_bytes() for site, table in self.tables.items()}
                near, anchors = self.near.to_bytes(), self.dedup.anchors.to_bytes()
                safe = [p for p in self._unsafe if p["doc_id"] not in self._dirty]
            if entries:
                self._segments += 1
                name = f"{self.crawl_id}-{self._segments:04d}"
                self.archive.save_listing_segment(name, entries)
                self.archive.compact_listing(name + "-merged")
            for site, data in tables.items():
                self._put_index(blocks_key(site), data)
            self._put_index(NEARDUP_KEY, near)
            self._put_index(ANCHORS_KEY, anchors)
            with self._lock:
                for doc_id in entries:
                    if self._changed_entries.get(doc_id) is entries[doc_id]:
                        del self._changed_entries[doc_id]
                ids = {id(p) for p in safe}
                self._unsafe = [p for p in self._unsafe if id(p) not in ids]
                self._safe(safe)
                if len(self._docs) > DOC_CACHE:   # written ones are read again if needed
                    for doc_id in [d for d in self._docs if d not in self._dirty]:
                        del self._docs[doc_id]
                        self._etags.pop(doc_id, None)

    # -- spool ---------------------------------------------------------------------------
    def replay_spool(self) -> int:
        """File what an earlier crawl left in this spool: its WARC files, listing entries,
        report and pages. Returns how many pages were filed; stops at a store failure,
        keeping what is left for the next try."""
        recovered = recover_spool(self.archive.store, self.spool_dir / "warc")
        self.counts["archive/spool/warc_files_recovered"] += len(recovered)
        for path in sorted(self.spool_dir.glob("listing-*.json")):
            self.archive.save_listing_segment(path.stem, json.loads(path.read_bytes()))
            path.unlink()
        for path in sorted(self.spool_dir.glob("report-*.json")):
            self.archive.save_report(json.loads(path.read_bytes()))
            path.unlink()
        paths = self.spooled_pages()
        pages = [(path, json.loads(path.read_bytes())) for path in paths]
        with self._lock:
            for _, page in pages:
                self._body_refs[page.get("body_sha256")] += 1
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
        with self._lock:
            for body in (self.spool_dir / "bodies").glob("*.gz"):
                if not self._body_refs.get(body.name[:-len(".gz")]):
                    body.unlink()
        return filed

    # -- end -----------------------------------------------------------------------------
    def _reclean(self) -> None:
        """Clean the texts filed in this crawl again with the final block tables."""
        for doc_id, page in self._filed.items():
            cleaned = self._clean(page)
            doc = self._doc(doc_id)
            if cleaned.text == doc["text"] or doc["versions"][-1]["crawl_id"] != self.crawl_id:
                continue
            sha, fp = text_sha256(cleaned.text), simhash64(cleaned.text)
            versions = doc["versions"]
            if len(versions) > 1 and versions[-2]["text_sha256"] == sha:
                versions.pop()   # the "change" was a teaser the table had not learned yet
                self.counts["archive/teasers/versions_dropped"] += 1
            self._set_text(doc, cleaned.text, cleaned.removed, sha, fp)
            self.counts["archive/teasers/documents_recleaned"] += 1

    def finish(self, stats: dict | None = None, *, reason: str = "finished") -> dict:
        """File what is still held back, clean again, write everything and the crawl report.

        If the store fails here, the pages not yet written are spooled, and the listing entries
        and the report wait in the spool for the next crawl or ``archive flush``; block tables
        and the near-duplicate index are rebuilt or relearned, so they are not spooled."""
        with self._lock:
            for site in list(self._pending):
                self._drain(site)
            self._reclean()
            try:
                self.warc.close()
            except StoreError as exc:
                left = self.warc.abandon()
                logger.warning("WARC upload failed (%s): %d files stay in %s for 'archive flush'", exc,
                               len(left), self.spool_dir / "warc")
                self.counts["archive/spool/warc_files"] += len(left)
        try:
            self.flush()
            report = self._report(stats, reason)
            self.archive.save_report(report)
        except StoreError as exc:
            with self._lock:
                unsafe, self._unsafe = self._unsafe, []
                for page in unsafe:
                    self._spool_page(page)
                self._safe(unsafe)
                entries = {i: e for i, e in self._changed_entries.items() if i not in self._dirty}
            report = self._report(stats, reason)
            _write_atomic(self.spool_dir / f"listing-{self.crawl_id}-spooled.json", json.dumps(entries).encode())
            _write_atomic(self.spool_dir / f"report-{self.crawl_id}.json", json.dumps(report).encode())
            logger.warning("Store failed at the end of the crawl (%s): %d pages, the listing and the report "
                           "wait in %s", exc, len(unsafe), self.spool_dir)
            report["counts"]["archive/spool/listing_entries"] = len(entries)
        return report

    def _report(self, stats: dict | None, reason: str) -> dict:
        counts = {**(stats or {}), **self.counts}
        counts["archive/spool/pages_waiting"] = len(self.spooled_pages())
        requests = dict(sorted((Counter(self.archive.store.requests) - self._requests_at_start).items()))
        new_docs = self.counts.get("archive/decision/new", 0)
        return {
            "crawl_id": self.crawl_id,
            "spider": self.spider,
            "archive": self.archive.uri,
            "started_at": self.started_at,
            "finished_at": utcnow(),
            "elapsed_seconds": round(time.monotonic() - self._t0, 3),
            "finish_reason": reason,
            "settings": self.settings,
            "counts": dict(sorted(counts.items())),
            "requests": requests,
            "puts_per_new_document": round(requests.get("PUT", 0) / new_docs, 2) if new_docs else None,
            "warc_files": self.warc.files(),
            "decisions": self.decisions,
        }


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def removed_record(removed: list[dict]) -> dict:
    """What cleaning took out of a text: count, the teased articles, and the blocks by reason."""
    teasers = {}
    for r in removed:
        if r.get("teaser_of"):
            entry = teasers.setdefault(r["teaser_of"], {"url": r["teaser_of"], "title": None})
            if r["why"] == "teaser_title":
                entry["title"] = r["text"]
    return {"count": len(removed), "teasers": list(teasers.values()), "blocks": removed}


__all__ = ["CrawlSession", "Snapshot", "merge_documents", "removed_record"]
