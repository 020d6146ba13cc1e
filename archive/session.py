"""One crawl's work on an archive: snapshots, cleaning, decisions, documents, indexes, report.

Usable without Scrapy: the crawler hands it plain dicts from worker threads.

The first pages of a site the archive has not seen enough of are held back (a warm-up buffer)
until the site's block table has seen ``WARMUP_PAGES`` pages, so they are cleaned as well as the
later ones; at the end of the crawl, documents filed during it are cleaned again with the final
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

from .archive import Archive, ArchiveError, BlobRef, blob_key, doc_id_for, listing_entry
from .dedup import ALIAS, NEW, UNCHANGED, VERSION, Decision, Deduplicator, UrlIndex
from .fingerprint import simhash64, simhash_hex, text_sha256
from .neardup import NearDupIndex
from .store import KeyNotFound, StoreError
from .teasers import SiteBlocks, clean, site_of, split_blocks, teaser_only_change
from .urls import canonical_url, choose_canonical
from .warc import WarcRef, WarcWriter, digest_hex, read_cdxj, recover_spool, timestamp14

logger = logging.getLogger(__name__)

METADATA_FIELDS = ("author", "section", "tags", "description", "language", "image")
INDEX_FLUSH_EVERY = 200     # changed documents between index writes during a crawl
WARMUP_PAGES = 40           # pages of a site seen before its first pages are cleaned
NEARDUP_KEY = "index/neardup.bin"


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def blocks_key(site: str) -> str:
    return f"index/blocks/{site or '_'}.bin"


@dataclass(frozen=True)
class Snapshot:
    """Where a fetched body went: its blob, its WARC record, or the local spool."""
    blob: BlobRef
    warc: WarcRef | None
    spooled: bool = False


class CrawlSession:
    """Thread-safe: ``store_snapshot`` and ``ingest`` may be called from many threads."""

    def __init__(self, archive: Archive, *, crawl_id: str | None = None, spider: str | None = None,
                 settings: dict | None = None, warmup_pages: int = WARMUP_PAGES,
                 spool_dir: str | os.PathLike | None = None, warc_max_size: int = 100 * 2**20,
                 software: str = "newsarchive/0.1", on_filed=None, index_flush_every: int = INDEX_FLUSH_EVERY):
        self.archive = archive
        self.crawl_id = crawl_id or new_crawl_id()
        self.spider = spider
        self.settings = dict(settings or {})
        self.warmup_pages = warmup_pages
        self.index_flush_every = index_flush_every
        self.started_at = utcnow()
        self._t0 = time.monotonic()
        self._lock = threading.RLock()
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
        self._dirty_shards: set[str] = set()
        self._dirty_count = 0
        self._reconcile()
        self.near = self._load_near()
        self.dedup = Deduplicator(self.urls, self.near, self._doc_text)
        self.tables: dict[str, SiteBlocks] = {}
        self._pending: dict[str, list[dict]] = {}
        self._filed: dict[str, dict] = {}     # doc id -> the page that set its text in this crawl
        self._docs: dict[str, dict] = {}      # documents read or written in this crawl

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
    def _load_near(self) -> NearDupIndex:
        try:
            near = NearDupIndex.from_bytes(self.archive.store.get(NEARDUP_KEY))
        except KeyNotFound:
            near = None
        except ValueError as exc:
            logger.warning("Near-duplicate index unreadable (%s); rebuilding it from the listing", exc)
            near = None
        if near is None or len(near) != len(self.urls.latest_fp):
            near = NearDupIndex(k=6)
            near.update((doc_id, fp) for doc_id, fp in self.urls.latest_fp.items())
        return near

    def _table(self, site: str) -> SiteBlocks:
        table = self.tables.get(site)
        if table is None:
            try:
                table = SiteBlocks.from_bytes(self.archive.store.get(blocks_key(site)))
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
            doc = self._docs[doc_id] = self.archive.load_document(doc_id)
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
        """Store a fetched body as a blob (once per distinct bytes) and record the exchange in the
        crawl's WARC file (a revisit record when the bytes were stored before). If the store
        fails, the body goes to the local spool and the page is filed by a later flush."""
        fetched_at = fetched_at or utcnow()
        sha = hashlib.sha256(body).hexdigest()
        try:
            ref = self.archive.put_blob(body)
        except StoreError as exc:
            logger.warning("Store failed for the body of %s (%s): spooled", url, exc)
            spooled = self.spool_dir / "bodies" / f"{sha}.gz"
            if not spooled.exists():
                _write_atomic(spooled, gzip.compress(body, mtime=0))
            exchange = {"url": url, "fetched_at": fetched_at, "status": status, "reason": reason,
                        "response_headers": list(map(list, response_headers)),
                        "request_headers": list(map(list, request_headers))}
            _write_atomic(self.spool_dir / "bodies" / f"{sha}.json", json.dumps(exchange).encode())
            self.count("archive/spool/bodies")
            ref = BlobRef(key=blob_key(sha), sha256=sha, size=len(body), stored_size=0, new=True)
            return Snapshot(ref, None, spooled=True)
        warc_ref = self.warc.write(url=url, fetched_at=fetched_at, status=status, reason=reason,
                                   response_headers=list(response_headers), request_headers=list(request_headers),
                                   body=body, payload_sha256=sha, is_new_payload=ref.new)
        with self._lock:
            if warc_ref is not None and ref.new:
                self._captured.setdefault(sha, (url, timestamp14(fetched_at)))
            if ref.new:
                self.counts["archive/blobs_new"] += 1
                self.counts["archive/bytes_stored"] += ref.stored_size
            else:
                self.counts["archive/blobs_existing"] += 1
        return Snapshot(ref, warc_ref)

    # -- documents -----------------------------------------------------------------------
    def ingest(self, page: dict) -> Decision | None:
        """File one extracted article page; None while its site is still warming up.

        ``page``: ``url`` (as fetched), ``article`` (``archive.extract.Article.to_dict()``),
        ``blob`` (key), ``body_sha256``, ``fetched_at``, optional ``status``, ``content_type``.
        """
        article = page["article"]
        page = dict(page, canonical=choose_canonical(page["url"], article.get("canonical_url")))
        page["site"] = site_of(page["canonical"])
        page["blocks"] = split_blocks(article.get("blocks") or article["text"].split("\n"))
        with self._lock:
            try:
                if page.get("spooled"):
                    raise StoreError("its body is in the spool")
                table = self._table(page["site"])
            except StoreError:
                self._spool_page(page)
                if self.on_filed is not None:
                    self.on_filed(page)
                return None
            table.observe(page["canonical"], page["blocks"], article.get("title"))
            if len(table.pages) < self.warmup_pages:
                self._pending.setdefault(page["site"], []).append(page)
                return None
            self._drain(page["site"])
            decision = self._file_safely(page)
            flush = self._dirty_count >= self.index_flush_every
        if flush:
            self.flush_indexes()
        return decision

    def _drain(self, site: str) -> None:
        # Oldest first, shortest URL first: the original before its republished copies.
        pending = self._pending.pop(site, [])
        for page in sorted(pending, key=lambda p: (p["article"].get("published") or "9999",
                                                   len(p["canonical"]), p["canonical"])):
            self._file_safely(page)

    def _file_safely(self, page: dict) -> Decision | None:
        """File a page, or spool it if the store fails; tell ``on_filed`` once it is safe."""
        decision = None
        if page.get("spooled"):
            self._spool_page(page)
        else:
            try:
                decision = self._file(page)
            except StoreError as exc:
                self._docs.clear()   # cached documents may hold changes that were not written
                logger.warning("Store failed while filing %s (%s): spooled", page["url"], exc)
                self._spool_page(page)
        if self.on_filed is not None:
            self.on_filed(page)
        return decision

    def _spool_page(self, page: dict) -> None:
        keep = {k: v for k, v in page.items() if k not in ("canonical", "site", "blocks")}
        self.counts["archive/spool/pages"] += 1
        name = f"{self.crawl_id}-{self.counts['archive/spool/pages']:06d}.json"
        _write_atomic(self.spool_dir / "pages" / name, json.dumps(keep, ensure_ascii=False).encode("utf-8"))

    def spooled_pages(self) -> list[Path]:
        return sorted((self.spool_dir / "pages").glob("*.json"))

    def replay_spool(self) -> int:
        """File the pages an earlier crawl spooled (and upload its WARC files); return how many
        pages were filed. Stops at the first store failure, keeping what is left."""
        recovered = recover_spool(self.archive.store, self.spool_dir / "warc")
        self.counts["archive/spool/warc_files_recovered"] += len(recovered)
        for path in sorted(self.spool_dir.glob("listing-*.json")):
            entries = json.loads(path.read_bytes())
            with self._lock:
                for doc_id, entry in entries.items():
                    if doc_id not in self.listing:   # the store's own entry is newer
                        self.listing[doc_id] = entry
                        self.urls.add(doc_id, entry.get("url"), *(entry.get("aliases") or ()))
                        self._dirty_shards.add(doc_id[:2])
            self.flush_listing()
            path.unlink()
        for path in sorted(self.spool_dir.glob("report-*.json")):
            self.archive.save_report(json.loads(path.read_bytes()))
            path.unlink()
        filed = 0
        for path in self.spooled_pages():
            page = json.loads(path.read_bytes())
            sha = page.get("body_sha256")
            body_path = self.spool_dir / "bodies" / f"{sha}.gz"
            if page.pop("spooled", False) and body_path.exists():
                body = gzip.decompress(body_path.read_bytes())
                meta_path = body_path.with_suffix(".json")
                meta = json.loads(meta_path.read_bytes()) if meta_path.exists() else {"url": page["url"]}
                snap = self.store_snapshot(body, **meta)
                if snap.spooled:
                    return filed
                page["blob"], page["warc"] = snap.blob.key, _warc_dict(snap.warc)
            article = page["article"]
            page["canonical"] = choose_canonical(page["url"], article.get("canonical_url"))
            page["site"] = site_of(page["canonical"])
            page["blocks"] = split_blocks(article.get("blocks") or article["text"].split("\n"))
            with self._lock:
                self._table(page["site"]).observe(page["canonical"], page["blocks"], article.get("title"))
                try:
                    self._file(page)
                except StoreError as exc:
                    self._docs.clear()
                    logger.warning("Store still failing (%s): %d spooled pages left", exc,
                                   len(self.spooled_pages()))
                    return filed
            path.unlink()
            filed += 1
            self.counts["archive/spool/pages_filed"] += 1
        if not self.spooled_pages():
            for leftover in (self.spool_dir / "bodies").iterdir():
                leftover.unlink()
        return filed

    def _clean(self, page: dict):
        return clean(page["blocks"], title=page["article"].get("title"), key=page["canonical"],
                     table=self._table(page["site"]))

    def _file(self, page: dict) -> Decision:
        article, fetched, canonical = page["article"], page["url"], page["canonical"]
        cleaned = self._clean(page)
        text = cleaned.text
        sha, fp = text_sha256(text), simhash64(text)
        decision = self.dedup.decide(canonical=canonical, fetched_key=canonical_url(fetched), text=text,
                                     text_sha=sha, fp=fp, new_id=doc_id_for(canonical))
        if decision.action == VERSION:
            doc = self._doc(decision.doc_id)
            old = doc["text"].split("\n") if doc["text"] else []
            if teaser_only_change(old, cleaned.blocks, key=canonical, table=self._table(page["site"])):
                # Only teasers differ (leaked into one text, learned since): no new version. The
                # stored text is replaced in place when the new one is the cleaner of the two.
                decision.action = UNCHANGED
                decision.evidence["layer"] = "url-teasers-only"
                if set(cleaned.blocks) < set(old):
                    doc["text"] = text
                    doc["removed"] = removed_record(cleaned.removed)
                    doc["versions"][-1].update(text_sha256=sha, simhash=simhash_hex(fp))
                    self.archive.save_document(doc)
                    self._remember(doc)
                    self.counts["archive/teasers/documents_recleaned"] += 1
        version = {
            "fetched_at": page.get("fetched_at") or utcnow(),
            "url": fetched,
            "text_sha256": sha,
            "simhash": simhash_hex(fp),
            "blob": page.get("blob"),
            "body_sha256": page.get("body_sha256"),
            "status": page.get("status"),
            "content_type": page.get("content_type"),
            "crawl_id": self.crawl_id,
        }
        if page.get("warc"):
            version["warc"] = page["warc"]
        if decision.action == NEW:
            doc = self._new_document(decision.doc_id, canonical, article, version, text, cleaned.removed)
            if fetched != canonical:
                doc["aliases"].append(fetched)
            if self.archive.create_document(doc):
                self._docs[doc["id"]] = doc
                self._remember(doc)
            else:
                # Filed by an earlier crawl whose listing was not saved: treat as its own URL.
                existing = self._doc(decision.doc_id)
                self.urls.set_latest(existing["id"], existing["url"], existing["versions"][-1]["text_sha256"],
                                     int(existing["versions"][-1]["simhash"], 16))
                decision.action = VERSION if existing["versions"][-1]["text_sha256"] != sha else UNCHANGED
                self._apply(existing, decision, page, version, text, cleaned.removed)
        else:
            self._apply(self._doc(decision.doc_id), decision, page, version, text, cleaned.removed)
        if decision.action in (NEW, VERSION):
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
            self.archive.save_document(doc)
            self._remember(doc)

    def _count_removed(self, removed: list[dict]) -> None:
        if removed:
            self.counts["archive/teasers/pages_cleaned"] += 1
            self.counts["archive/teasers/blocks_removed"] += len(removed)

    def _remember(self, doc: dict) -> None:
        fp = self._remember_listing(doc)
        self.near.add(doc["id"], fp)

    def _remember_listing(self, doc: dict) -> int:
        latest = doc["versions"][-1]
        entry = listing_entry(doc)
        entry["text_sha256"] = latest["text_sha256"]
        entry["simhash"] = latest["simhash"]
        entry["alias_keys"] = sorted({canonical_url(a) for a in doc.get("aliases", ())} - {doc["url"]})
        self.listing[doc["id"]] = entry
        self.urls.add(doc["id"], *doc.get("aliases", ()), *entry["alias_keys"])
        fp = int(latest["simhash"], 16)
        self.urls.set_latest(doc["id"], doc["url"], latest["text_sha256"], fp)
        self._dirty_shards.add(doc["id"][:2])
        self._dirty_count += 1
        return fp

    def flush_listing(self) -> int:
        with self._lock:
            shards = set(self._dirty_shards)
            entries = dict(self.listing)
        written = self.archive.save_listing(entries, shards) if shards else 0
        with self._lock:
            self._dirty_shards -= shards
            self._dirty_count = 0
        return written

    def flush_indexes(self) -> None:
        """Write what the next crawl starts from: block tables, near-duplicate index, listing.
        Done every ``index_flush_every`` changed documents and at the end, so a killed crawl
        loses little of what it learned."""
        with self._lock:
            tables = {site: table.to_bytes() for site, table in self.tables.items()}
            near = self.near.to_bytes()
        for site, data in tables.items():
            self.archive.store.put(blocks_key(site), data, content_type="application/octet-stream")
        self.archive.store.put(NEARDUP_KEY, near, content_type="application/octet-stream")
        self.flush_listing()

    # -- end -----------------------------------------------------------------------------
    def _reclean(self) -> None:
        """Clean the texts filed in this crawl again with the final block tables."""
        for doc_id, page in self._filed.items():
            cleaned = self._clean(page)
            doc = self._doc(doc_id)
            if cleaned.text == doc["text"]:
                continue
            sha, fp = text_sha256(cleaned.text), simhash64(cleaned.text)
            versions = doc["versions"]
            if len(versions) > 1 and versions[-2]["text_sha256"] == sha:
                versions.pop()   # the "change" was a teaser the table had not learned yet
                self.counts["archive/teasers/versions_dropped"] += 1
            else:
                versions[-1].update(text_sha256=sha, simhash=simhash_hex(fp))
            doc["text"] = cleaned.text
            doc["removed"] = removed_record(cleaned.removed)
            self.archive.save_document(doc)
            self._remember(doc)
            self.counts["archive/teasers/documents_recleaned"] += 1

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] += n

    def finish(self, stats: dict | None = None, *, reason: str = "finished") -> dict:
        """File what is still held back, clean again, write indexes and the crawl report.

        If the store fails here, the listing entries and the report wait in the spool (as pages
        do) for the next crawl or ``archive flush``; block tables and the near-duplicate index
        are rebuilt or relearned, so they are not spooled."""
        with self._lock:
            for site in list(self._pending):
                self._drain(site)
            self._reclean()
            try:
                self.warc.close()
            except StoreError as exc:
                logger.warning("WARC upload failed (%s): the files stay in %s for 'archive flush'", exc,
                               self.spool_dir / "warc")
                self.counts["archive/spool/warc_files"] += 1
        report = self._report(stats, reason)
        try:
            self.flush_indexes()
            self.archive.save_report(report)
        except StoreError as exc:
            with self._lock:
                entries = {i: self.listing[i] for i in self.listing if i[:2] in self._dirty_shards}
            _write_atomic(self.spool_dir / f"listing-{self.crawl_id}.json", json.dumps(entries).encode())
            _write_atomic(self.spool_dir / f"report-{self.crawl_id}.json", json.dumps(report).encode())
            logger.warning("Store failed at the end of the crawl (%s): listing and report wait in %s",
                           exc, self.spool_dir)
            report["counts"]["archive/spool/listing_entries"] = len(entries)
        return report

    def _report(self, stats: dict | None, reason: str) -> dict:
        counts = {**(stats or {}), **self.counts}
        counts["archive/spool/pages_waiting"] = len(self.spooled_pages())
        requests = dict(sorted(self.archive.store.requests.items()))
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


def _warc_dict(ref: WarcRef | None) -> dict | None:
    return None if ref is None else {"file": ref.file, "offset": ref.offset, "length": ref.length}


def removed_record(removed: list[dict]) -> dict:
    """What cleaning took out of a text: count, the teased articles, and the blocks by reason."""
    teasers = {}
    for r in removed:
        if r.get("teaser_of"):
            entry = teasers.setdefault(r["teaser_of"], {"url": r["teaser_of"], "title": None})
            if r["why"] == "teaser_title":
                entry["title"] = r["text"]
    return {"count": len(removed), "teasers": list(teasers.values()), "blocks": removed}


__all__ = ["CrawlSession", "ArchiveError", "removed_record"]
