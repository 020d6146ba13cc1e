"""``archive verify``: every document parses, names blobs that exist and match their digest,
and the index (the listing, through the local catalogue) agrees with the documents: each entry
at the document's rev, with its URL, aliases, versions and text digest, and the near-duplicate
lookups a crawl makes (the latest simhash under each band, the anchor paragraphs of its text);
and every WARC file's CDXJ and originals are named in ``index/warcs/`` (:mod:`archive.warcindex`).

Memory stays flat whatever the archive's size: documents are visited in store order, a bounded
window of them read ahead on a few threads (:mod:`archive.prefetch`: a document and its blobs are
store reads, GETs on S3), and what has been seen (document ids, blobs and WARC files already checked) goes to a
temporary SQLite file with a small page cache, not to Python sets; the listing is queried in the
catalogue one entry at a time.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import tempfile
import zlib
from typing import Callable, Iterator

from .archive import Archive, blob_key, doc_key
from .dedup import anchor_hashes
from .prefetch import THREADS, ordered
from .store import KeyNotFound
from .warcindex import unnamed

REQUIRED_FIELDS = ("id", "url", "aliases", "title", "text", "published", "site", "versions")
VERSION_FIELDS = ("fetched_at", "url", "text_sha256", "simhash", "blob")


def _check_blob(archive: Archive, key: str) -> str | None:
    try:
        body = gzip.decompress(archive.store.get(key))
    except KeyNotFound:
        return "is missing"
    except (OSError, EOFError, zlib.error) as exc:
        return f"is not valid gzip ({exc})"
    digest = hashlib.sha256(body).hexdigest()
    if key != blob_key(digest):
        return f"holds bytes with sha256 {digest}, not the digest in its name"
    return None


class _Seen:
    """Sets kept in a temporary SQLite file (deleted when closed)."""

    def __init__(self):
        fd, self.path = tempfile.mkstemp(prefix="newsarchive-verify-", suffix=".sqlite")
        os.close(fd)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2000;"
                              "CREATE TABLE docs (id TEXT PRIMARY KEY);"
                              "CREATE TABLE blobs (key TEXT PRIMARY KEY, problem TEXT);"
                              "CREATE TABLE warcs (file TEXT PRIMARY KEY, present INTEGER);")
        self.db.execute("BEGIN")
        self._pending = 0

    def _tick(self):
        self._pending += 1
        if self._pending >= 5000:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self._pending = 0

    def add_doc(self, doc_id: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO docs VALUES (?)", (doc_id,))
        self._tick()

    def has_doc(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM docs WHERE id=?", (doc_id,)).fetchone() is not None

    def blob(self, key: str) -> tuple[bool, str | None]:
        row = self.db.execute("SELECT problem FROM blobs WHERE key=?", (key,)).fetchone()
        return (row is not None, row[0] if row else None)

    def set_blob(self, key: str, problem: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?)", (key, problem))
        self._tick()

    def warc(self, file: str) -> bool | None:
        row = self.db.execute("SELECT present FROM warcs WHERE file=?", (file,)).fetchone()
        return None if row is None else bool(row[0])

    def set_warc(self, file: str, present: bool) -> None:
        self.db.execute("INSERT OR REPLACE INTO warcs VALUES (?, ?)", (file, int(present)))
        self._tick()

    def close(self):
        try:
            self.db.close()
        finally:
            os.unlink(self.path)


def _check_entry(doc_id: str, doc: dict, entry: dict | None) -> Iterator[str]:
    """The listing entry of a document against the document itself."""
    if entry is None:
        yield f"document {doc_id}: not in the listing index (run 'archive reindex')"
        return
    rev, listed_rev = doc.get("rev") or 0, entry.get("rev") or 0
    if listed_rev > rev:
        yield (f"document {doc_id}: the listing has rev {listed_rev}, newer than the document's rev {rev}: "
               "a write the listing reports was lost")
        return
    if listed_rev < rev:
        yield f"document {doc_id}: the listing is behind the document (rev {listed_rev} < {rev}; run 'archive reindex')"
        return
    latest = (doc.get("versions") or [{}])[-1]
    differ = []
    if entry.get("url") != doc.get("url"):
        differ.append("url")
    if list(entry.get("aliases") or ()) != list(doc.get("aliases") or ()):
        differ.append("aliases")
    if (entry.get("versions") or 0) != len(doc.get("versions") or ()):
        differ.append("versions")
    if entry.get("text_sha256") != latest.get("text_sha256"):
        differ.append("text_sha256")
    if differ:
        yield (f"document {doc_id}: the listing and the document disagree at the same rev {rev} on "
               f"{', '.join(differ)}")


def _read(archive: Archive, doc_id: str) -> tuple[str, object, dict]:
    """A document (parsed, or the exception its read raised) and the check of each blob it
    names (key -> problem or None); run ahead of the checks, on the prefetch threads."""
    try:
        doc = json.loads(archive.store.get(doc_key(doc_id)))
    except (KeyNotFound, ValueError) as exc:
        return doc_id, exc, {}
    blobs = {}
    if isinstance(doc, dict):
        for version in doc.get("versions") or []:
            key = version.get("blob") if isinstance(version, dict) else None
            if key and key not in blobs:
                blobs[key] = _check_blob(archive, key)
    return doc_id, doc, blobs


def verify(archive: Archive, *, on_doc: Callable[[str], None] | None = None, catalog=None,
           threads: int = THREADS) -> Iterator[str]:
    """Yield one sentence per problem found."""
    catalog = catalog or archive.catalog()
    seen = _Seen()
    reads = ordered(lambda doc_id: _read(archive, doc_id), archive.iter_doc_ids_unordered(), threads=threads)
    try:
        for doc_id, doc, blobs in reads:
            seen.add_doc(doc_id)
            if on_doc:
                on_doc(doc_id)
            if isinstance(doc, KeyNotFound):
                continue   # deleted since it was listed
            if isinstance(doc, ValueError):
                yield f"document {doc_id}: not valid JSON ({doc})"
                continue
            if not isinstance(doc, dict):
                yield f"document {doc_id}: not a JSON object"
                continue
            missing = [f for f in REQUIRED_FIELDS if f not in doc]
            if missing:
                yield f"document {doc_id}: missing fields {', '.join(missing)}"
            if doc.get("id") != doc_id:
                yield f"document {doc_id}: its id field says {doc.get('id')!r}"
            versions = doc.get("versions") or []
            if not versions:
                yield f"document {doc_id}: has no versions"
            for n, version in enumerate(versions, 1):
                vmissing = [f for f in VERSION_FIELDS if f not in version]
                if vmissing:
                    yield f"document {doc_id} version {n}: missing fields {', '.join(vmissing)}"
                key = version.get("blob")
                if not key:
                    continue
                known, problem = seen.blob(key)
                if not known:
                    problem = blobs[key]
                    seen.set_blob(key, problem)
                if problem:
                    yield f"document {doc_id} version {n}: blob {key} {problem}"
                warc = version.get("warc")
                if warc:
                    present = seen.warc(warc["file"])
                    if present is None:
                        present = archive.store.exists(warc["file"])
                        seen.set_warc(warc["file"], present)
                    if not present:
                        yield f"document {doc_id} version {n}: WARC file {warc['file']} is missing " \
                              "(run 'archive flush' where the crawl ran)"
                body_sha = version.get("body_sha256")
                if body_sha and blob_key(body_sha) != key:
                    yield f"document {doc_id} version {n}: body_sha256 does not match blob {key}"
            if versions and hashlib.sha256((doc.get("text") or "").encode()).hexdigest() != versions[-1].get("text_sha256"):
                yield f"document {doc_id}: text does not match the latest version's text_sha256"
            entry = catalog.entry(doc_id)
            yield from _check_entry(doc_id, doc, entry)
            if entry is not None and (entry.get("rev") or 0) == (doc.get("rev") or 0) and versions:
                # The near-duplicate and anchor lookups a crawl makes, against the document.
                anchors = [f"{h:016x}" for h in anchor_hashes(doc["text"].split("\n") if doc.get("text") else [])]
                for problem in catalog.near_problems(doc_id, versions[-1].get("simhash"), anchors):
                    yield f"document {doc_id}: near-duplicate index: {problem} (run 'archive reindex')"
        for doc_id in catalog.ids():
            if not seen.has_doc(doc_id):
                yield f"listing names document {doc_id}, which does not exist (run 'archive reindex')"
        for key in sorted(unnamed(archive.store)):
            yield f"WARC index file {key} is not named in index/warcs/, so readers miss it (run 'archive reindex')"
    finally:
        reads.close()
        seen.close()
