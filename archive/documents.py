"""Documents read or changed in one crawl, and their batch write.

Each document is written with a conditional write: create-if-absent for a new one, if-match on
the entity tag read for an existing one. On a conflict (another crawl wrote it meanwhile) the
stored document and ours are merged and the write is tried again.
"""
from __future__ import annotations

import json
import threading

from .archive import Archive
from .store import StoreError

METADATA_FIELDS = ("author", "section", "tags", "description", "language", "image")
CONFLICT_RETRIES = 8
DOC_CACHE = 2000            # written documents kept in memory between batches


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


class DocumentBatch:
    """The documents of a crawl in memory: loaded on first use, marked dirty when changed,
    written together by :meth:`write`. Shares the session's lock."""

    def __init__(self, archive: Archive, lock: threading.RLock, counts, on_written=None):
        self.archive = archive
        self._lock = lock
        self.counts = counts
        self.on_written = on_written    # called (under the lock) with each document once written
        self.docs: dict[str, dict] = {}
        self.etags: dict[str, str | None] = {}   # None: not created yet
        self.dirty: set[str] = set()             # changed since the last write

    def get(self, doc_id: str) -> dict:
        doc = self.docs.get(doc_id)
        if doc is None:
            doc, etag = self.archive.load_document_tagged(doc_id)
            self.docs[doc_id], self.etags[doc_id] = doc, etag
        return doc

    def add_new(self, doc: dict) -> None:
        """A document this crawl creates (create-if-absent: merged on write if another made it)."""
        self.docs[doc["id"]], self.etags[doc["id"]] = doc, None

    def mark_dirty(self, doc_id: str) -> None:
        self.dirty.add(doc_id)

    def write(self) -> None:
        """Write the dirty documents (conditional writes; merge and retry on a conflict)."""
        with self._lock:
            dirty = sorted(self.dirty)
        for doc_id in dirty:
            for _ in range(CONFLICT_RETRIES):
                with self._lock:
                    doc = self.docs[doc_id]
                    doc["rev"] = (doc.get("rev") or 0) + 1
                    etag = self.etags.get(doc_id)
                    snapshot = json.loads(json.dumps(doc))
                if etag is None:
                    new_tag = self.archive.create_document(snapshot)
                else:
                    new_tag = self.archive.update_document(snapshot, etag)
                if new_tag:
                    with self._lock:
                        self.etags[doc_id] = new_tag
                        if self.docs[doc_id].get("rev") == snapshot["rev"]:
                            self.dirty.discard(doc_id)
                        if self.on_written is not None:
                            self.on_written(self.docs[doc_id])
                    break
                # Someone else wrote it since we read it: merge ours into theirs and try again.
                stored, stored_tag = self.archive.load_document_tagged(doc_id)
                with self._lock:
                    self.docs[doc_id] = merge_documents(stored, self.docs[doc_id])
                    self.etags[doc_id] = stored_tag
                    self.counts["archive/write_conflicts_merged"] += 1
            else:
                raise StoreError(f"document {doc_id} kept changing under us ({CONFLICT_RETRIES} conflicts)")

    def evict_written(self) -> None:
        """Forget written documents once many are cached (they are read again if needed)."""
        if len(self.docs) > DOC_CACHE:
            for doc_id in [d for d in self.docs if d not in self.dirty]:
                del self.docs[doc_id]
                self.etags.pop(doc_id, None)
