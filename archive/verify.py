"""``archive verify``: every document parses, names blobs that exist and match their digest,
and the listing agrees with the documents."""
from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from typing import Callable, Iterator

from .archive import Archive, blob_key, doc_key
from .store import KeyNotFound

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


def verify(archive: Archive, *, on_doc: Callable[[str], None] | None = None) -> Iterator[str]:
    """Yield one sentence per problem found."""
    listing = archive.load_listing()
    seen_docs = set()
    checked_blobs: dict[str, str | None] = {}
    checked_warcs: dict[str, bool] = {}
    for doc_id in archive.iter_doc_ids():
        seen_docs.add(doc_id)
        if on_doc:
            on_doc(doc_id)
        try:
            doc = json.loads(archive.store.get(doc_key(doc_id)))
        except ValueError as exc:
            yield f"document {doc_id}: not valid JSON ({exc})"
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
            if key not in checked_blobs:
                checked_blobs[key] = _check_blob(archive, key)
            if checked_blobs[key]:
                yield f"document {doc_id} version {n}: blob {key} {checked_blobs[key]}"
            warc = version.get("warc")
            if warc:
                if warc["file"] not in checked_warcs:
                    checked_warcs[warc["file"]] = archive.store.exists(warc["file"])
                if not checked_warcs[warc["file"]]:
                    yield f"document {doc_id} version {n}: WARC file {warc['file']} is missing " \
                          "(run 'archive flush' where the crawl ran)"
            body_sha = version.get("body_sha256")
            if body_sha and blob_key(body_sha) != key:
                yield f"document {doc_id} version {n}: body_sha256 does not match blob {key}"
        if versions and hashlib.sha256(doc.get("text", "").encode()).hexdigest() != versions[-1].get("text_sha256"):
            yield f"document {doc_id}: text does not match the latest version's text_sha256"
        if doc_id not in listing:
            yield f"document {doc_id}: not in the listing index (run 'archive reindex')"
    for doc_id in sorted(set(listing) - seen_docs):
        yield f"listing names document {doc_id}, which does not exist (run 'archive reindex')"
