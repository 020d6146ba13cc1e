"""Documents read or changed in one crawl, and their batch write.

Each document is written with a conditional write: create-if-absent for a new one, if-match on
the entity tag read for an existing one. On a conflict (another crawl wrote it meanwhile) the
stored document and ours are merged and the write is tried again.
"""
from __future__ import annotations

import json
import logging
import threading

from .archive import Archive, ArchiveError
from .store import StoreError

logger = logging.getLogger(__name__)

METADATA_FIELDS = ("author", "section", "tags", "description", "language", "image")
CONFLICT_RETRIES = 8
DOC_CACHE = 2000            # written documents kept in memory between batches


class DamagedDocument(ArchiveError):
    """A stored document that cannot be read or does not have a document's shape."""

    def __init__(self, doc_id: str, why: str):
        super().__init__(f"document {doc_id} is damaged: {why}")
        self.doc_id = doc_id


def check_shape(doc_id: str, doc) -> None:
    """What filing relies on: an id, a URL, a text, aliases and at least one version."""
    if not isinstance(doc, dict):
        raise DamagedDocument(doc_id, "not a JSON object")
    if doc.get("id") != doc_id or not isinstance(doc.get("url"), str):
        raise DamagedDocument(doc_id, "no id or url")
    if not isinstance(doc.get("aliases", []), list) or not isinstance(doc.get("text") or "", str):
        raise DamagedDocument(doc_id, "aliases or text of the wrong type")
    versions = doc.get("versions")
    if not isinstance(versions, list) or not versions or not all(isinstance(v, dict) for v in versions):
        raise DamagedDocument(doc_id, "no versions")


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

    def __init__(self, archive: Archive, lock: threading.RLock, counts, on_written=None, crawl_id=None):
        self.archive = archive
        self.crawl_id = crawl_id   # versions of this crawl get their text objects written
        self._lock = lock
        self.counts = counts
        self.on_written = on_written    # called (under the lock) with each document once written
        self.docs: dict[str, dict] = {}
        self.etags: dict[str, str | None] = {}   # None: not created yet
        self.dirty: set[str] = set()             # changed since the last write
        self._texts: set[str] = set()            # text objects known to be stored
        self.damaged: set[str] = set()           # stored documents found damaged: skipped, reported
        self.changes: dict[str, int] = {}        # doc id -> changes made to it (a write sees a count)

    def get(self, doc_id: str) -> dict:
        """The document, read once; :class:`DamagedDocument` if it cannot be used."""
        doc = self.docs.get(doc_id)
        if doc is None:
            if doc_id in self.damaged:
                raise DamagedDocument(doc_id, "found damaged earlier in this crawl")
            try:
                doc, etag = self.archive.load_document_tagged(doc_id)
                check_shape(doc_id, doc)
            except StoreError:
                raise
            except ArchiveError as exc:
                self.damaged.add(doc_id)
                raise DamagedDocument(doc_id, str(exc)) from exc
            self.docs[doc_id], self.etags[doc_id] = doc, etag
        return doc

    def add_new(self, doc: dict) -> None:
        """A document this crawl creates (create-if-absent: merged on write if another made it)."""
        self.docs[doc["id"]], self.etags[doc["id"]] = doc, None

    def mark_dirty(self, doc_id: str) -> None:
        self.dirty.add(doc_id)
        self.changes[doc_id] = self.changes.get(doc_id, 0) + 1

    def write(self, ids=None) -> None:
        """Write the dirty documents (``ids``: those of them; conditional writes; merge and retry
        on a conflict).

        A document changed by another thread while it was being written stays dirty and is
        written again here, so the pages that changed it are never reported safe too early.
        Their version texts are written first, and made durable before any document names one
        (the store may defer its syncs: :meth:`archive.store.Store.defer_syncs`)."""
        with self._lock:
            dirty = sorted(self.dirty if ids is None else set(ids) & self.dirty)
            texts = [(self.docs[d]["versions"][-1]["text_sha256"], self.docs[d].get("text") or "")
                     for d in dirty if self._new_text(self.docs[d])]
        for sha, text in texts:
            if sha not in self._texts:
                self.archive.put_text(text)
                self._texts.add(sha)
        self.archive.store.sync()
        for doc_id in dirty:
            for _ in range(CONFLICT_RETRIES):
                with self._lock:
                    if doc_id not in self.dirty:
                        break
                    doc = self.docs[doc_id]
                    doc["rev"] = (doc.get("rev") or 0) + 1
                    etag = self.etags.get(doc_id)
                    seen = self.changes.get(doc_id, 0)
                    snapshot = json.loads(json.dumps(doc))
                if self._put_text(snapshot):   # a text a merge brought in: durable before its document
                    self.archive.store.sync()
                if etag is None:
                    new_tag = self.archive.create_document(snapshot)
                else:
                    new_tag = self.archive.update_document(snapshot, etag)
                if new_tag:
                    with self._lock:
                        self.etags[doc_id] = new_tag
                        if self.on_written is not None:
                            self.on_written(self.docs[doc_id])
                        if self.changes.get(doc_id, 0) == seen:
                            self.dirty.discard(doc_id)
                            break
                        self.counts["archive/documents_changed_during_write"] += 1
                    continue   # changed while it was written: write it again
                # Someone else wrote it since we read it: merge ours into theirs and try again.
                try:
                    stored, stored_tag = self.archive.load_document_tagged(doc_id)
                    check_shape(doc_id, stored)
                except StoreError:
                    raise
                except ArchiveError as exc:   # damaged by the other writer: ours is not written over it
                    logger.error("Not writing document %s: the stored one is damaged (%s)", doc_id, exc)
                    with self._lock:
                        self.damaged.add(doc_id)
                        self.dirty.discard(doc_id)
                        self.counts["archive/error/damaged_document"] += 1
                    break
                with self._lock:
                    self.docs[doc_id] = merge_documents(stored, self.docs[doc_id])
                    self.etags[doc_id] = stored_tag
                    self.counts["archive/write_conflicts_merged"] += 1
            else:
                raise StoreError(f"document {doc_id} kept changing under us ({CONFLICT_RETRIES} conflicts)")

    def _new_text(self, doc: dict) -> bool:
        latest = doc["versions"][-1] if doc.get("versions") else {}
        sha = latest.get("text_sha256")
        return bool(sha and sha not in self._texts and latest.get("crawl_id") == self.crawl_id)

    def _put_text(self, doc: dict) -> bool:
        """The latest version's text as a text object, before the document names it (once)."""
        if not self._new_text(doc):
            return False
        self.archive.put_text(doc.get("text") or "")
        self._texts.add(doc["versions"][-1]["text_sha256"])
        return True

    def evict_written(self) -> None:
        """Forget written documents once many are cached (they are read again if needed)."""
        if len(self.docs) > DOC_CACHE:
            for doc_id in [d for d in self.docs if d not in self.dirty]:
                del self.docs[doc_id]
                self.etags.pop(doc_id, None)
