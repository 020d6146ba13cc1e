"""The archive as stored: blobs, documents, the listing index and crawl reports, on a Store.

Keys (the same on every backend):
    blobs/sha256/<ab>/<hex>.gz      raw response bodies, gzip, content-addressed
    docs/<id>.json                  one document per article
    index/listing/<segment>.json    listing entries, one segment per crawl flush (merged by rev)
    crawls/<crawl-id>.json          one report per crawl
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from .store import KeyNotFound, Store, StoreError, open_store

DOC_ID_RE = re.compile(r"^[0-9a-f]{16}$")
LISTING_FIELDS = ("id", "url", "title", "published", "site", "aliases", "versions", "rev")


class ArchiveError(Exception):
    """A problem with the archive's content, said in one sentence."""


@dataclass(frozen=True)
class BlobRef:
    key: str
    sha256: str
    size: int          # uncompressed bytes
    stored_size: int   # compressed bytes as stored
    new: bool          # False when identical bytes were already stored


def blob_key(sha256_hex: str) -> str:
    return f"blobs/sha256/{sha256_hex[:2]}/{sha256_hex}.gz"


def text_key(text_sha256_hex: str) -> str:
    return f"texts/sha256/{text_sha256_hex[:2]}/{text_sha256_hex}.txt.gz"


def doc_key(doc_id: str) -> str:
    return f"docs/{doc_id}.json"


def listing_key(segment: str) -> str:
    return f"index/listing/{segment}.json"


LISTING_MAX_SEGMENTS = 32   # more small segments than this and the next writer merges them into one
# A segment this large is not merged again (size tiers); a compaction merges at most twice this
# (indexes.merge_plan), and a batch runs at most one compaction (CrawlSession.flush), so that no
# 200-document batch writes much more than 1 MiB of index whatever the archive's size. At 2 MiB, a batch
# at a million documents that merged two sites' block deltas wrote 2.3 MB (benchmarks/scale.py).
LISTING_SEGMENT_MAX_BYTES = 512 * 1024


def doc_id_for(url: str) -> str:
    """A document's id: stable, derived from the canonical URL it was first filed under."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def dumps(obj) -> bytes:
    # One line, no indent: with an indent json uses its pure-Python encoder, which took 15% of
    # a crawl's filing lane (py-spy) writing documents; `archive show` prints them indented.
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def listing_entry(doc: dict) -> dict:
    entry = {k: doc.get(k) for k in LISTING_FIELDS}
    entry["versions"] = len(doc.get("versions") or [])
    if doc.get("versions"):
        latest = doc["versions"][-1]
        entry["text_sha256"], entry["simhash"] = latest.get("text_sha256"), latest.get("simhash")
    return entry


class Archive:
    """Reads and writes one archive. Thread-safe as far as its store is (writes of distinct keys)."""

    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def open(cls, uri: str | None, *, create: bool = False, **options) -> "Archive":
        """Open the archive at ``uri``; ``options`` go to the store backend (S3 credentials...)."""
        store = open_store(uri, **options) if options else open_store(uri)
        if create:
            store.create()
            store.check_writes()   # for s3://: conditional writes honoured, once per open (a probe)
        else:
            store.check()
        return cls(store)

    @property
    def uri(self) -> str:
        return self.store.uri

    # -- blobs ---------------------------------------------------------------------------
    def put_blob(self, body: bytes) -> BlobRef:
        data = gzip.compress(body, compresslevel=6, mtime=0)
        return self.put_blob_gz(hashlib.sha256(body).hexdigest(), len(body), data)

    def put_blob_gz(self, sha: str, size: int, data: bytes) -> BlobRef:
        """Store an already gzip-compressed body under its raw bytes' sha256."""
        key = blob_key(sha)
        new = self.store.put_if_absent(key, data, content_type="application/octet-stream",
                                       content_encoding="gzip", sha256=sha)
        return BlobRef(key=key, sha256=sha, size=size, stored_size=len(data), new=bool(new))

    def get_blob(self, key_or_sha: str) -> bytes:
        key = key_or_sha if key_or_sha.startswith("blobs/") else blob_key(key_or_sha)
        return gzip.decompress(self.store.get(key))

    def iter_blob_keys(self) -> Iterator[str]:
        return (k for k in self.store.list("blobs/") if k.endswith(".gz"))

    # -- version texts -------------------------------------------------------------------
    # Every version's cleaned text, gzip, named by its text_sha256: written once (identical texts
    # of several documents or crawls share one object) before the document that names it.
    def put_text(self, text: str) -> str:
        from .fingerprint import text_sha256
        sha = text_sha256(text)
        self.store.put_if_absent(text_key(sha), gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0),
                                 content_type="text/plain; charset=utf-8", content_encoding="gzip")
        return sha

    def version_text(self, doc: dict, n: int) -> str:
        """The cleaned text of a document's version ``n`` (1 is the first)."""
        versions = doc.get("versions") or []
        if not 1 <= n <= len(versions):
            raise ArchiveError(f"document {doc.get('id')} has versions 1 to {len(versions)}, not {n}")
        sha = versions[n - 1].get("text_sha256")
        try:
            return gzip.decompress(self.store.get(text_key(sha))).decode("utf-8")
        except KeyNotFound:
            if n == len(versions):
                return doc.get("text") or ""
            raise ArchiveError(f"the text of version {n} of {doc.get('id')} was not kept "
                               f"(archived before version texts were stored)") from None

    # -- documents -----------------------------------------------------------------------
    def save_document(self, doc: dict) -> None:
        """Write a document unconditionally (tools; crawls use the conditional writes below)."""
        self.store.put(doc_key(doc["id"]), dumps(doc), content_type="application/json")

    def create_document(self, doc: dict) -> str | None:
        """Write a new document unless one with its id exists; its entity tag, or None."""
        return self.store.put_if_absent(doc_key(doc["id"]), dumps(doc), content_type="application/json")

    def update_document(self, doc: dict, etag: str) -> str | None:
        """Write a document only if it is still as read (``etag``); the new tag, or None."""
        return self.store.put_if_match(doc_key(doc["id"]), dumps(doc), etag, content_type="application/json")

    def load_document_tagged(self, doc_id: str) -> tuple[dict, str]:
        try:
            raw, etag = self.store.get_tagged(doc_key(doc_id))
        except KeyNotFound:
            raise ArchiveError(f"no document with id {doc_id}") from None
        try:
            return json.loads(raw), etag
        except ValueError as exc:
            raise ArchiveError(f"document {doc_id} is not valid JSON: {exc}") from exc

    def load_document(self, doc_id: str) -> dict:
        return self.load_document_tagged(doc_id)[0]

    def iter_doc_ids(self) -> Iterator[str]:
        for key in self.store.list("docs/"):
            name = key[len("docs/"):]
            if name.endswith(".json"):
                yield name[: -len(".json")]

    def iter_documents(self) -> Iterator[dict]:
        for doc_id in self.iter_doc_ids():
            yield self.load_document(doc_id)

    # -- listing index -------------------------------------------------------------------
    # Segments are written whole and never rewritten: crawls finishing together each add their
    # own, and a reader merges them, keeping the entry with the highest document rev.
    def listing_segments(self) -> list[str]:
        return [k for k in self.store.list("index/listing/") if k.endswith(".json")]

    def load_listing(self, segments: list[str] | None = None) -> dict[str, dict]:
        """Every listing entry, by document id, merged from ``segments`` (default: all). Commands
        read the listing through the catalogue (:meth:`catalog`) instead."""
        entries: dict[str, dict] = {}
        for key in (self.listing_segments() if segments is None else segments):
            try:
                segment = json.loads(self.store.get(key))
            except KeyNotFound:   # merged away by a concurrent writer after we listed it
                continue
            except ValueError as exc:
                raise ArchiveError(f"listing segment {key} is not valid JSON: {exc}") from exc
            for doc_id, entry in segment.items():
                old = entries.get(doc_id)
                if old is None or (entry.get("rev") or 0) >= (old.get("rev") or 0):
                    entries[doc_id] = entry
        return entries

    def save_listing_segment(self, name: str, entries: dict[str, dict]) -> str:
        key = listing_key(name)
        data = dumps(dict(sorted(entries.items())))
        self.store.put(key, data, content_type="application/json")
        catalog = getattr(self, "_catalog", None)
        if catalog is not None:   # what this process wrote is in its catalogue: the next sync skips it
            catalog.add_segment(key, entries, len(data))
        return key

    def compact_listing(self, name: str, max_segments: int = LISTING_MAX_SEGMENTS,
                        max_bytes: int = LISTING_SEGMENT_MAX_BYTES) -> bool:
        """Merge small segments into one when there are more than ``max_segments`` of them;
        return whether it did. Size tiers: a segment of ``max_bytes`` or more is never merged
        again, and one compaction merges the smallest segments up to twice ``max_bytes``
        (:func:`archive.indexes.merge_plan`), so it reads, holds and writes a bounded amount,
        whatever the archive's size. The merged segment is written before the ones it merged
        are deleted (readers listing in between see both, and merge them by rev)."""
        from .indexes import merge_plan
        small = merge_plan([(k, size) for k, size in self.store.scan("index/listing/") if k.endswith(".json")],
                           max_segments, max_bytes)
        if not small:
            return False
        merged = self.load_listing(small)
        new_key = self.save_listing_segment(name, merged)
        for key in small:
            if key != new_key:
                self.store.delete(key)
        return True

    def rebuild_listing(self) -> int:
        """Rebuild the listing from the documents themselves; return the number of entries."""
        from .indexes import indexed_listing_entry
        entries = {doc["id"]: indexed_listing_entry(doc) for doc in self.iter_documents()}
        old = self.listing_segments()
        name = "rebuild-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        new_key = self.save_listing_segment(name, entries)
        for key in old:
            if key != new_key:
                self.store.delete(key)
        return len(entries)

    def find(self, id_or_url: str, catalog=None) -> dict:
        """A document by id, by canonical URL or by any alias (a catalogue lookup)."""
        if DOC_ID_RE.match(id_or_url):
            return self.load_document(id_or_url)
        from .urls import canonical_url
        catalog = catalog or self.catalog()
        doc_id = catalog.lookup_url(id_or_url, canonical_url(id_or_url))
        if doc_id is None:
            raise ArchiveError(f"no document with id or URL {id_or_url}")
        return self.load_document(doc_id)

    def catalog(self, path=None, *, sync: bool = True):
        """The local catalogue of this archive (:mod:`archive.catalog`), synced with the store."""
        from .catalog import Catalog
        path = path if path is not None else getattr(self, "catalog_path", None)
        cat = getattr(self, "_catalog", None)
        if cat is None or (path is not None and str(cat.path) != str(path)):
            cat = self._catalog = Catalog(self, path)
        if sync:
            cat.sync()
        return cat

    def iter_doc_ids_unordered(self) -> Iterator[str]:
        """Every document id, in no particular order, without holding the whole list."""
        for key in self.store.iter_unordered("docs/"):
            name = key[len("docs/"):]
            if name.endswith(".json") and "/" not in name:
                yield name[: -len(".json")]

    # -- crawl reports -------------------------------------------------------------------
    def save_report(self, report: dict) -> str:
        key = f"crawls/{report['crawl_id']}.json"
        self.store.put(key, dumps(report), content_type="application/json")
        return key

    def iter_reports(self) -> Iterator[dict]:
        for key in self.store.list("crawls/"):
            if key.endswith(".json"):
                yield json.loads(self.store.get(key))

    def last_report(self) -> dict | None:
        keys = [k for k in self.store.list("crawls/") if k.endswith(".json")]
        return json.loads(self.store.get(keys[-1])) if keys else None


__all__ = ["Archive", "ArchiveError", "BlobRef", "StoreError", "blob_key", "doc_id_for", "doc_key"]


def archive_stats(archive: Archive, catalog=None, *, scan: bool = False) -> dict:
    """Counts for ``archive stats``: totals from the catalogue (the listing and the crawl reports,
    each read once); ``scan=True`` counts the blobs and document bytes in the store instead."""
    catalog = catalog or archive.catalog()
    catalog.sync(reports=True)
    totals = catalog.totals()
    stats = {
        "archive": archive.uri,
        "documents": totals["documents"],
        "versions": totals["versions"],
        "aliases": totals["aliases"],
        "sites": totals["sites"],
        "blobs": totals["blobs"],
        "blob_bytes": totals["blob_bytes"],
        "crawls": totals["crawls"],
        "counted_from": "crawl reports",
    }
    if scan:
        stats["blobs"] = stats["blob_bytes"] = 0
        for _, size in archive.store.scan("blobs/"):
            stats["blobs"] += 1
            stats["blob_bytes"] += size
        stats["document_bytes"] = sum(size for _, size in archive.store.scan("docs/"))
        stats["counted_from"] = "store scan"
    last = catalog.last_report()
    stats["last_crawl"] = last
    return stats
