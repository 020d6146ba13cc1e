"""One crawl's work on an archive: snapshots, decisions, documents, listing, report.

Usable without Scrapy: the crawler hands it plain dicts from worker threads.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter
from datetime import datetime, timezone

from .archive import Archive, BlobRef, doc_id_for, listing_entry
from .dedup import ALIAS, NEW, UNCHANGED, VERSION, Decision, UrlIndex, decide
from .fingerprint import simhash64, simhash_hex, text_sha256
from .urls import canonical_url, choose_canonical

logger = logging.getLogger(__name__)

METADATA_FIELDS = ("author", "section", "tags", "description", "language", "image")
LISTING_FLUSH_EVERY = 200   # changed documents between listing writes during a crawl


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


class CrawlSession:
    """Thread-safe: ``store_snapshot`` and ``ingest`` may be called from many threads."""

    def __init__(self, archive: Archive, *, crawl_id: str | None = None, spider: str | None = None,
                 settings: dict | None = None):
        self.archive = archive
        self.crawl_id = crawl_id or new_crawl_id()
        self.spider = spider
        self.settings = dict(settings or {})
        self.started_at = utcnow()
        self._t0 = time.monotonic()
        self._lock = threading.Lock()
        self.counts: Counter = Counter()
        self.decisions: list[dict] = []
        self.listing = archive.load_listing()
        self.urls = UrlIndex.from_listing(self.listing)
        self._dirty_shards: set[str] = set()
        self._dirty_count = 0

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
    def ingest(self, page: dict) -> Decision:
        """File one extracted article page.

        ``page``: ``url`` (as fetched), ``article`` (``archive.extract.Article.to_dict()``),
        ``blob`` (key), ``body_sha256``, ``fetched_at``, optional ``status``, ``content_type``.
        """
        article = page["article"]
        text = article["text"]
        fetched = page["url"]
        canonical = choose_canonical(fetched, article.get("canonical_url"))
        sha = text_sha256(text)
        with self._lock:
            decision = decide(self.urls, canonical=canonical, fetched=canonical_url(fetched),
                              text_sha=sha, new_id=doc_id_for(canonical))
            if fetched != canonical and self.urls.lookup(fetched) is None:
                decision.evidence["new_alias"] = fetched
            version = {
                "fetched_at": page.get("fetched_at") or utcnow(),
                "url": fetched,
                "text_sha256": sha,
                "simhash": simhash_hex(simhash64(text)),
                "blob": page.get("blob"),
                "body_sha256": page.get("body_sha256"),
                "status": page.get("status"),
                "content_type": page.get("content_type"),
                "crawl_id": self.crawl_id,
            }
            if decision.action == NEW:
                doc = self._new_document(decision.doc_id, canonical, article, version)
                if fetched != canonical:
                    doc["aliases"].append(fetched)
                if not self.archive.create_document(doc):
                    # Filed by an earlier crawl whose listing was not saved: merge into it.
                    existing = self.archive.load_document(decision.doc_id)
                    decision = self._update(existing, decision, article, version, fetched)
                else:
                    self._remember(doc)
            elif decision.action != UNCHANGED or decision.evidence.get("new_alias"):
                doc = self.archive.load_document(decision.doc_id)
                decision = self._update(doc, decision, article, version, fetched)
            self.counts[f"archive/decision/{decision.action}"] += 1
            self.decisions.append(decision.to_dict())
            flush = self._dirty_count >= LISTING_FLUSH_EVERY
        if flush:
            self.flush_listing()
        return decision

    def _new_document(self, doc_id, canonical, article, version) -> dict:
        doc = {
            "id": doc_id,
            "url": canonical,
            "aliases": [],
            "title": article.get("title"),
            "text": article["text"],
            "published": article.get("published"),
            "site": article.get("site"),
        }
        doc.update({k: article.get(k) for k in METADATA_FIELDS})
        doc["first_seen"] = version["fetched_at"]
        doc["versions"] = [version]
        return doc

    def _update(self, doc, decision, article, version, fetched) -> Decision:
        """Apply a page to an existing document; the action is what actually changed."""
        alias_added = fetched not in {doc["url"], *doc.get("aliases", ())}
        if alias_added:
            doc.setdefault("aliases", []).append(fetched)
        last = doc["versions"][-1] if doc.get("versions") else {}
        text_changed = last.get("text_sha256") != version["text_sha256"]
        if text_changed:
            doc["versions"].append(version)
            doc["text"] = article["text"]
            for name in ("title", "published", "site", *METADATA_FIELDS):
                if article.get(name):
                    doc[name] = article[name]
        decision.action = VERSION if text_changed else ALIAS if alias_added else UNCHANGED
        if text_changed or alias_added:
            self.archive.save_document(doc)
            self._remember(doc)
        return decision

    def _remember(self, doc: dict) -> None:
        entry = listing_entry(doc)
        entry["text_sha256"] = doc["versions"][-1]["text_sha256"]
        self.listing[doc["id"]] = entry
        self.urls.add(doc["id"], doc["url"], *doc.get("aliases", ()))
        self.urls.add(doc["id"], *(canonical_url(a) for a in doc.get("aliases", ())))
        self.urls.latest_sha[doc["id"]] = entry["text_sha256"]
        self._dirty_shards.add(doc["id"][:2])
        self._dirty_count += 1

    def flush_listing(self) -> int:
        with self._lock:
            shards, self._dirty_shards = self._dirty_shards, set()
            self._dirty_count = 0
            entries = dict(self.listing)
        return self.archive.save_listing(entries, shards) if shards else 0

    # -- end -----------------------------------------------------------------------------
    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] += n

    def finish(self, stats: dict | None = None, *, reason: str = "finished") -> dict:
        """Write the listing and the crawl report; return the report."""
        self.flush_listing()
        report = {
            "crawl_id": self.crawl_id,
            "spider": self.spider,
            "archive": self.archive.uri,
            "started_at": self.started_at,
            "finished_at": utcnow(),
            "elapsed_seconds": round(time.monotonic() - self._t0, 3),
            "finish_reason": reason,
            "settings": self.settings,
            "counts": dict(sorted({**(stats or {}), **self.counts}.items())),
            "decisions": self.decisions,
        }
        self.archive.save_report(report)
        return report
