"""HTTP validators of fetched article URLs, so a recrawl asks only for what changed.

For each article URL a crawl fetched, the archive keeps its ``ETag`` and ``Last-Modified``,
when its body was fetched (``fetched_at``: the capture a 304's revisit record refers to), the
digest of that body and its document id. A crawl writes, as one immutable segment
``index/validators/<crawl-id>.json`` (like the listing segments: crawls finishing together never
contend for one object), only the entries that changed: a URL fetched for the first time, or
whose validators, body or document changed. A ``304`` changes nothing (unless it carries new
validators), and neither does a full fetch of the same body, so an unchanged recrawl writes no
segment; when a 304 confirmed a URL is recorded by its WARC revisit record (and its CDXJ line,
from which the catalogue derives a document's ``last_seen``). Readers merge the segments (newest
``last_seen`` or ``fetched_at`` wins); when there are more than ``MAX_SEGMENTS`` small ones, the
smallest are merged (size tiers, a bounded merge: :func:`archive.indexes.merge_plan`). A later
crawl asks the local catalogue (:meth:`archive.catalog.Catalog.sync_validators`: the segments it
has not seen, merged in SQLite), never holding every URL's entry; :func:`load_validators` reads
them all, for tests and tools.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from .store import KeyNotFound

logger = logging.getLogger(__name__)

PREFIX = "index/validators/"
MAX_SEGMENTS = 32
SEGMENT_MAX_BYTES = 2 * 2**20   # a segment this large is not merged again
FIELDS = ("etag", "last_modified", "fetched_at", "last_seen", "doc_id")
# What makes an entry worth a new segment: not when it was fetched or confirmed again.
CHANGING_FIELDS = ("etag", "last_modified", "doc_id", "body_sha256")


def segment_key(name: str) -> str:
    return f"{PREFIX}{name}.json"


def merge_key(entry: dict) -> str:
    """What orders two entries of one URL: the later one wins."""
    return entry.get("last_seen") or entry.get("fetched_at") or ""


def _newer(a: dict, b: dict) -> bool:
    """Whether entry ``a`` is at least as recent as ``b``."""
    return merge_key(a) >= merge_key(b)


def merge(into: dict[str, dict], entries: dict[str, dict]) -> dict[str, dict]:
    for url, entry in entries.items():
        old = into.get(url)
        if old is None or _newer(entry, old):
            into[url] = entry
    return into


def changed_entries(entries: dict[str, dict], known: dict[str, dict]) -> dict[str, dict]:
    """The entries a crawl must write: new URLs, and those whose validators, body digest or
    document differ from what the archive held (``known``)."""
    return {url: entry for url, entry in entries.items()
            if url not in known or any(entry.get(f) != known[url].get(f) for f in CHANGING_FIELDS)}


def load_validators(archive, keys: list[str] | None = None) -> dict[str, dict]:
    """Every known article URL -> its validators, merged from the segments ``keys`` (default:
    all; one LIST, one GET each). Crawls ask the catalogue instead (``CatalogValidators``)."""
    entries: dict[str, dict] = {}
    if keys is None:
        keys = sorted(k for k in archive.store.list(PREFIX) if k.endswith(".json"))
    for key in keys:
        try:
            segment = json.loads(archive.store.get(key))
        except KeyNotFound:   # compacted away by a concurrent writer after we listed it
            continue
        except ValueError:
            continue          # a damaged segment costs only unconditional fetches
        merge(entries, segment)
    return entries


def save_validators(archive, name: str, entries: dict[str, dict]) -> str | None:
    """Write this crawl's validators as a new segment (nothing when there are none); merge the
    smallest segments into one when there are too many small ones (at most twice
    ``SEGMENT_MAX_BYTES`` at once, whatever the archive's size)."""
    from .indexes import merge_plan
    if not entries:
        return None
    key = segment_key(name)
    archive.store.put(key, json.dumps(dict(sorted(entries.items())), ensure_ascii=False).encode("utf-8"),
                      content_type="application/json")
    plan = merge_plan([(k, size) for k, size in archive.store.scan(PREFIX) if k.endswith(".json")],
                      MAX_SEGMENTS, SEGMENT_MAX_BYTES)
    if plan:
        merged = load_validators(archive, plan)
        merged_key = segment_key(name + "-merged")
        archive.store.put(merged_key, json.dumps(dict(sorted(merged.items())), ensure_ascii=False).encode("utf-8"),
                          content_type="application/json")
        for old in plan:
            if old != merged_key:
                archive.store.delete(old)
    return key


def entry_from_headers(headers, *, fetched_at: str, doc_id: str | None) -> dict:
    """A validators entry from response headers (a list of (name, value) or a dict)."""
    items = headers.items() if hasattr(headers, "items") else headers
    found = {}
    for name, value in items:
        lname = name.lower()
        if lname == "etag" and value:
            found["etag"] = value
        elif lname == "last-modified" and value:
            found["last_modified"] = value
    return {**found, "fetched_at": fetched_at, "last_seen": fetched_at, "doc_id": doc_id}


def parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_w3c_date(value: str | None) -> datetime | None:
    """A sitemap ``<lastmod>`` (W3C datetime: ``2024-05-01`` or ``2024-05-01T10:00:00+02:00``)."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def last_confirmed(entry: dict) -> datetime | None:
    """When the URL was last fetched or confirmed unchanged."""
    return parse_w3c_date(entry.get("last_seen") or entry.get("fetched_at"))


def unchanged_since_last_fetch(entry: dict | None, lastmod: str | None) -> bool:
    """A sitemap says the page last changed (``lastmod``) before we last had it."""
    if entry is None:
        return False
    changed, seen = parse_w3c_date(lastmod), last_confirmed(entry)
    return changed is not None and seen is not None and changed < seen


def conditional_headers(entry: dict | None) -> dict[str, str]:
    """The request headers that make a fetch conditional on the stored validators."""
    if not entry:
        return {}
    headers = {}
    if entry.get("etag"):
        headers["If-None-Match"] = entry["etag"]
    if entry.get("last_modified"):
        headers["If-Modified-Since"] = entry["last_modified"]
    return headers


class Revalidation:
    """The validators part of a crawl session (mixed into ``CrawlSession``): load them at the
    start, record each article page filed, answer a 304, write this crawl's segment at the end.

    Uses the session's ``archive``, ``crawl_id``, ``warc``, ``counts`` and ``_lock``."""

    def _init_validators(self) -> None:
        """``validators``: URL -> entry, answered by the catalogue (synced here with the segments
        it has not seen), so a crawl start reads and holds what is new, not every URL's entry."""
        from .catalog import CatalogValidators
        try:
            self.catalog.sync_validators()
            self.validators = CatalogValidators(self.catalog)
        except Exception as exc:  # noqa: BLE001 - without them a crawl only fetches in full
            logger.warning("Validators unreadable (%s): no request of this crawl is conditional", exc)
            self.validators = {}
        self._validators_seen: dict[str, dict] = {}   # entries this crawl fetched or confirmed

    def validator(self, url: str) -> dict | None:
        """The validators entry of an article URL fetched before, or None."""
        return self._validators_seen.get(url) or self.validators.get(url)

    def _record_fetch(self, page: dict, doc_id: str | None) -> None:
        """An article page was filed: keep its validators (when it had any) for the next crawl."""
        if not page.get("url") or not page.get("fetched_at"):
            return
        if not page.get("etag") and not page.get("last_modified"):
            return   # the server gave nothing to ask conditionally with: fetched in full next time
        entry = entry_from_headers([("ETag", page.get("etag")), ("Last-Modified", page.get("last_modified"))],
                                   fetched_at=page["fetched_at"], doc_id=doc_id)
        if page.get("body_sha256"):
            entry["body_sha256"] = page["body_sha256"]
        old = self.validators.get(page["url"])
        if old is not None and not changed_entries({page["url"]: entry}, self.validators):
            # The same body again: a later 304 still refers to its first capture (a response
            # record; this fetch was recorded as an identical-payload revisit of it).
            entry = dict(old, last_seen=page["fetched_at"])
        with self._lock:
            self._validators_seen[page["url"]] = entry

    def seen_unchanged(self, url: str, fetched_at: str, *, response_headers=(), request_headers=(),
                       status: int = 304, **wire) -> str | None:
        """A conditional request was answered ``304 Not Modified``: no extraction, no upload.
        Record the exchange as a WARC ``revisit`` record (server-not-modified profile) pointing
        at the last full fetch, and mark the URL seen now (``last_seen``). Returns the
        document id the URL belongs to, when known."""
        with self._lock:
            entry = self.validator(url)
        if entry is None:   # not one of ours (a server answering 304 to a plain request)
            self.counts["archive/not_modified_unknown"] += 1
            return None
        if entry.get("body_sha256"):
            self.warc.write_not_modified(
                url=url, fetched_at=fetched_at, status=status, response_headers=list(response_headers),
                request_headers=list(request_headers), refers_to_uri=url, refers_to_date=entry["fetched_at"],
                payload_sha256=entry["body_sha256"], **wire)
        updated = dict(entry, last_seen=fetched_at)
        for name, value in entry_from_headers(response_headers, fetched_at=fetched_at, doc_id=None).items():
            if name in ("etag", "last_modified"):
                updated[name] = value   # a 304 may carry updated validators
        with self._lock:
            self._validators_seen[url] = updated
            self.counts["archive/revalidated"] += 1
        return entry.get("doc_id")

    def _save_validators(self) -> None:
        """This crawl's segment: only the entries that changed (none after an unchanged recrawl)."""
        with self._lock:
            entries = changed_entries(self._validators_seen, self.validators)
        self.counts["archive/validators_written"] = len(entries)
        save_validators(self.archive, self.crawl_id, entries)


__all__ = ["Revalidation", "load_validators", "save_validators", "changed_entries", "entry_from_headers", "conditional_headers",
           "unchanged_since_last_fetch", "merge"]
