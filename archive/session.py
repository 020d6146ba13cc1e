"""One crawl's work on an archive: snapshots, cleaning, decisions, documents, indexes, report.

Usable without Scrapy: the crawler hands it plain dicts from worker threads.

The first pages of a site the archive has not seen enough of are held back (a warm-up buffer)
until the site's block table has seen ``WARMUP_PAGES`` pages, so they are cleaned as well as the
later ones; at the end of the crawl, documents filed during it are cleaned again with the final
table, so a teaser first seen late never stays in an article or makes a version of it.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter
from datetime import datetime, timezone

from .archive import Archive, ArchiveError, BlobRef, doc_id_for, listing_entry
from .dedup import ALIAS, NEW, UNCHANGED, VERSION, Decision, Deduplicator, UrlIndex
from .fingerprint import simhash64, simhash_hex, text_sha256
from .neardup import NearDupIndex
from .store import KeyNotFound
from .teasers import SiteBlocks, clean, site_of
from .urls import canonical_url, choose_canonical

logger = logging.getLogger(__name__)

METADATA_FIELDS = ("author", "section", "tags", "description", "language", "image")
LISTING_FLUSH_EVERY = 200   # changed documents between listing writes during a crawl
WARMUP_PAGES = 40           # pages of a site seen before its first pages are cleaned
NEARDUP_KEY = "index/neardup.bin"


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def blocks_key(site: str) -> str:
    return f"index/blocks/{site or '_'}.bin"


class CrawlSession:
    """Thread-safe: ``store_snapshot`` and ``ingest`` may be called from many threads."""

    def __init__(self, archive: Archive, *, crawl_id: str | None = None, spider: str | None = None,
                 settings: dict | None = None, warmup_pages: int = WARMUP_PAGES):
        self.archive = archive
        self.crawl_id = crawl_id or new_crawl_id()
        self.spider = spider
        self.settings = dict(settings or {})
        self.warmup_pages = warmup_pages
        self.started_at = utcnow()
        self._t0 = time.monotonic()
        self._lock = threading.RLock()
        self.counts: Counter = Counter()
        self.decisions: list[dict] = []
        self.listing = archive.load_listing()
        self.urls = UrlIndex.from_listing(self.listing)
        self.near = self._load_near()
        self.dedup = Deduplicator(self.urls, self.near, self._doc_text)
        self.tables: dict[str, SiteBlocks] = {}
        self._pending: dict[str, list[dict]] = {}
        self._filed: dict[str, dict] = {}     # doc id -> the page that set its text in this crawl
        self._docs: dict[str, dict] = {}      # documents read or written in this crawl
        self._dirty_shards: set[str] = set()
        self._dirty_count = 0

    # -- loading -------------------------------------------------------------------------
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
    def store_snapshot(self, body: bytes) -> BlobRef:
        ref = self.archive.put_blob(body)
        with self._lock:
            if ref.new:
                self.counts["archive/blobs_new"] += 1
                self.counts["archive/bytes_stored"] += ref.stored_size
            else:
                self.counts["archive/blobs_existing"] += 1
        return ref

    # -- documents -----------------------------------------------------------------------
    def ingest(self, page: dict) -> Decision | None:
        """File one extracted article page; None while its site is still warming up.

        ``page``: ``url`` (as fetched), ``article`` (``archive.extract.Article.to_dict()``),
        ``blob`` (key), ``body_sha256``, ``fetched_at``, optional ``status``, ``content_type``.
        """
        article = page["article"]
        page = dict(page, canonical=choose_canonical(page["url"], article.get("canonical_url")))
        page["site"] = site_of(page["canonical"])
        page["blocks"] = list(article.get("blocks") or article["text"].split("\n"))
        with self._lock:
            table = self._table(page["site"])
            table.observe(page["canonical"], page["blocks"], article.get("title"))
            if len(table.pages) < self.warmup_pages:
                self._pending.setdefault(page["site"], []).append(page)
                return None
            self._drain(page["site"])
            decision = self._file(page)
            flush = self._dirty_count >= LISTING_FLUSH_EVERY
        if flush:
            self.flush_listing()
        return decision

    def _drain(self, site: str) -> None:
        # Oldest first, shortest URL first: the original before its republished copies.
        pending = self._pending.pop(site, [])
        for page in sorted(pending, key=lambda p: (p["article"].get("published") or "9999",
                                                   len(p["canonical"]), p["canonical"])):
            self._file(page)

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
        latest = doc["versions"][-1]
        entry = listing_entry(doc)
        entry["text_sha256"] = latest["text_sha256"]
        entry["simhash"] = latest["simhash"]
        entry["alias_keys"] = sorted({canonical_url(a) for a in doc.get("aliases", ())} - {doc["url"]})
        self.listing[doc["id"]] = entry
        self.urls.add(doc["id"], *doc.get("aliases", ()), *entry["alias_keys"])
        fp = int(latest["simhash"], 16)
        self.urls.set_latest(doc["id"], doc["url"], latest["text_sha256"], fp)
        self.near.add(doc["id"], fp)
        self._dirty_shards.add(doc["id"][:2])
        self._dirty_count += 1

    def flush_listing(self) -> int:
        with self._lock:
            shards, self._dirty_shards = self._dirty_shards, set()
            self._dirty_count = 0
            entries = dict(self.listing)
        return self.archive.save_listing(entries, shards) if shards else 0

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
        """File what is still held back, clean again, write indexes and the crawl report."""
        with self._lock:
            for site in list(self._pending):
                self._drain(site)
            self._reclean()
            for site, table in self.tables.items():
                self.archive.store.put(blocks_key(site), table.to_bytes(), content_type="application/octet-stream")
            self.archive.store.put(NEARDUP_KEY, self.near.to_bytes(), content_type="application/octet-stream")
        self.flush_listing()
        counts = {**(stats or {}), **self.counts}
        report = {
            "crawl_id": self.crawl_id,
            "spider": self.spider,
            "archive": self.archive.uri,
            "started_at": self.started_at,
            "finished_at": utcnow(),
            "elapsed_seconds": round(time.monotonic() - self._t0, 3),
            "finish_reason": reason,
            "settings": self.settings,
            "counts": dict(sorted(counts.items())),
            "decisions": self.decisions,
        }
        self.archive.save_report(report)
        return report


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
