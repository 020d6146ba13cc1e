"""What a crawl keeps of the archive's indexes besides the catalogue: the per-site block tables
(a delta per batch, the whole table at the end), and the batch intents that let a crawl start
find what a killed crawl wrote but did not list.

The near-duplicate and anchor indexes are not stored whole any more: the listing segments each
batch writes carry every entry's simhash and anchors, the local catalogue indexes them by band
(:class:`archive.catalog.CatalogNearIndex`), and a crawl holds only what it changes
(:class:`archive.neardup.LayeredNearIndex`)."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time

from .store import KeyNotFound, Store
from .teasers import SiteBlocks, block_hash

logger = logging.getLogger(__name__)

NEARDUP_KEY = "index/neardup.bin"   # whole images older versions wrote at the end of a crawl; no longer
ANCHORS_KEY = "index/anchors.bin"   # read or written (the catalogue answers from the listing)


BLOCKS_PREFIX = "index/blocks/"
DELTAS_PREFIX = "index/blocks-delta/"
DELTAS_MAX = 32                 # more small deltas of a site than this and the next batch merges them...
DELTA_MAX_BYTES = 512 * 1024    # ...unless they are this large (size tiers, as the listing's segments)


def merge_plan(sized, max_segments: int, max_bytes: int, merge_bytes: int | None = None) -> list[str]:
    """Which segments a compaction merges (size tiers with a bounded merge): none while there
    are at most ``max_segments`` small ones (below ``max_bytes``: larger ones are never merged
    again); else the smallest small ones, as many as add up to ``merge_bytes`` (twice
    ``max_bytes`` by default; two always fit), in key order. So one compaction reads, holds and
    writes at most ``merge_bytes``, whatever the archive's size. ``sized``: (key, size) pairs."""
    merge_bytes = 2 * max_bytes if merge_bytes is None else merge_bytes
    small = sorted((size, key) for key, size in sized if size < max_bytes)
    if len(small) <= max_segments:
        return []
    take, total = [], 0
    for size, key in small:
        if take and total + size > merge_bytes:
            break
        take.append(key)
        total += size
    return sorted(take) if len(take) >= 2 else []


def indexed_listing_entry(doc: dict) -> dict:
    """A document's listing entry with what the catalogue's lookups need besides: the URL keys
    of its aliases and the hashes of its anchor paragraphs (as a crawl writes them)."""
    from .archive import listing_entry
    from .dedup import anchor_hashes
    from .urls import canonical_url
    entry = listing_entry(doc)
    entry["alias_keys"] = sorted({canonical_url(a) for a in doc.get("aliases", ())} - {doc["url"]})
    entry["anchors"] = [f"{h:016x}" for h in anchor_hashes(doc["text"].split("\n") if doc.get("text") else [])]
    return entry


def blocks_key(site: str) -> str:
    return f"{BLOCKS_PREFIX}{site or '_'}.bin"


def deltas_prefix(site: str) -> str:
    return f"{DELTAS_PREFIX}{site or '_'}/"


def site_of_block_key(key: str) -> str:
    """The site a block-table image or delta key belongs to."""
    if key.startswith(DELTAS_PREFIX):
        name = key[len(DELTAS_PREFIX):].split("/", 1)[0]
    else:
        name = key[len(BLOCKS_PREFIX):].rsplit(".", 1)[0]
    return "" if name == "_" else name


class IndexFiles:
    """The block tables of one crawl: read from the catalogue (synced once with the store's
    deltas, then a snapshot), with what the crawl observes in memory; written as deltas."""

    def __init__(self, store: Store, catalog=None):
        self.store = store
        self.catalog = catalog
        self._snapshot = None
        self._lock = threading.Lock()
        self._digests: dict[str, str] = {}   # index key -> sha256 of the bytes the store holds

    def get(self, key: str) -> bytes:
        data = self.store.get(key)
        self._digests[key] = hashlib.sha256(data).hexdigest()
        return data

    def put(self, key: str, data: bytes) -> None:
        """Write an index unless the store already holds exactly these bytes."""
        digest = hashlib.sha256(data).hexdigest()
        if self._digests.get(key) != digest:
            self.store.put(key, data, content_type="application/octet-stream")
            self._digests[key] = digest

    def snapshot(self):
        with self._lock:
            if self._snapshot is None:
                self.catalog.sync_blocks()
                self._snapshot = self.catalog.block_snapshot()
            return self._snapshot

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None

    def load_table(self, site: str) -> "TrackedBlocks":
        """A site's block table: the catalogue's (every delta written so far, by any crawl), as
        a snapshot taken at the crawl's first table, with this crawl's observations on top.
        Without a catalogue: the stored image with the deltas applied, in memory."""
        if self.catalog is not None:
            return CatalogBlocks(self.snapshot(), site)
        try:
            table = TrackedBlocks.from_bytes(self.get(blocks_key(site)))
        except KeyNotFound:
            table = TrackedBlocks()
        except ValueError as exc:
            logger.warning("Block table of %s unreadable (%s); starting a new one", site, exc)
            table = TrackedBlocks()
        for key in self.store.list(deltas_prefix(site)):
            try:
                table.apply(json.loads(self.store.get(key)))
            except KeyNotFound:   # merged meanwhile
                continue
            except ValueError as exc:
                logger.warning("Block table delta %s unreadable (%s); skipped", key, exc)
        table.delta = []
        return table

    def save_delta(self, site: str, table: "TrackedBlocks", name: str, *, compact: bool = True) -> bool:
        """What a batch taught the table (its pages' block hashes, titles, leads): small, and
        proportional to the batch, not to the site. Then, if ``compact``, the site's small deltas
        are merged when there are too many (size tiers: reads and writes are bounded); returns
        whether they were (a batch runs one compaction at most: the others wait for a later one)."""
        if not table.delta:
            return False
        key = f"{deltas_prefix(site)}{name}.json"
        self.store.put(key, json.dumps(table.delta, separators=(",", ":")).encode(),
                       content_type="application/json")
        table.written_deltas.append(key)
        table.delta = []
        return compact and self.compact_deltas(site, name + "-merged")

    def compact_deltas(self, site: str, name: str, max_deltas: int = DELTAS_MAX,
                       max_bytes: int = DELTA_MAX_BYTES) -> bool:
        """Merge a site's small deltas when there are more than ``max_deltas`` (at most twice
        ``max_bytes`` of them at once: :func:`merge_plan`); the merged one is written before those
        it holds are deleted (applying twice is harmless)."""
        small = merge_plan([(k, size) for k, size in self.store.scan(deltas_prefix(site)) if k.endswith(".json")],
                           max_deltas, max_bytes)
        if not small:
            return False
        merged, seen = [], set()
        for key in list(small):
            try:
                records = json.loads(self.store.get(key))
            except KeyNotFound:
                continue
            except ValueError as exc:
                logger.warning("Block table delta %s unreadable (%s); left as it is", key, exc)
                small.remove(key)
                continue
            for record in records:
                mark = json.dumps(record, separators=(",", ":"))
                if mark not in seen:
                    seen.add(mark)
                    merged.append(record)
        new_key = f"{deltas_prefix(site)}{name}.json"
        self.store.put(new_key, json.dumps(merged, separators=(",", ":")).encode(), content_type="application/json")
        for key in small:
            if key != new_key:
                self.store.delete(key)
        return True


class TrackedBlocks(SiteBlocks):
    """A block table that records what each observation added, so a batch can write only that."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.delta: list = []             # [page hash, [block hashes] or None, title, lead]
        self.written_deltas: list[str] = []

    def observe(self, key: str, blocks: list[str], title: str | None) -> None:
        kh = block_hash(key)
        new_page = kh not in self.pages
        titles, leads = len(self.titles), len(self.leads)
        super().observe(key, blocks, title)
        record = [kh, sorted({block_hash(b) for b in blocks}) if new_page else None, None, None]
        if len(self.titles) > titles:
            th = next(reversed(self.titles))
            record[2] = [th, self.titles[th]]
        if len(self.leads) > leads:
            lh = next(reversed(self.leads))
            record[3] = [lh, self.leads[lh]]
        if new_page or record[2] or record[3]:
            self.delta.append(record)

    def apply(self, records: list) -> None:
        """Replay a delta (idempotent: a page already counted is not counted again)."""
        for kh, hashes, title, lead in records:
            if hashes is not None and kh not in self.pages:
                self.pages.add(kh)
                for h in hashes:
                    self.freq[h] = self.freq.get(h, 0) + 1
            if title:
                self.titles.setdefault(title[0], title[1])
            if lead:
                self.leads.setdefault(lead[0], lead[1])


PENDING_PREFIX = "index/pending/"
STALE_INTENT_SECONDS = 3600.0   # a batch intent this old is a killed crawl's: adopted, then removed


class BatchIntents:
    """Which documents a batch is about to write, written before them (``index/pending/``) and
    removed once a listing segment holds them. A crawl killed in between leaves its intents
    behind, and the next crawl start lists those documents: one LIST of a folder that holds
    only unfinished batches, instead of a LIST of every document."""

    def __init__(self, store: Store, crawl_id: str):
        self.store, self.crawl_id = store, crawl_id
        self.open: list[str] = []      # this crawl's intents not yet covered by a listing segment
        self.adopted: list[str] = []   # killed crawls' intents whose documents this crawl lists
        self._n = 0

    def begin(self, doc_ids) -> None:
        doc_ids = sorted(doc_ids)
        if not doc_ids:
            return
        self._n += 1
        key = f"{PENDING_PREFIX}{self.crawl_id}-{self._n:05d}.json"
        body = {"crawl_id": self.crawl_id, "written_at": time.time(), "ids": doc_ids}
        self.store.put(key, json.dumps(body, separators=(",", ":")).encode(), content_type="application/json")
        self.open.append(key)

    def listed(self) -> None:
        """A listing segment now holds every document this crawl wrote (and those it adopted)."""
        for key in self.open + self.adopted:
            self.store.delete(key)
        self.open, self.adopted = [], []

    def unlisted(self, archive, catalog) -> list[dict]:
        """Documents named by intents left in the store (a killed crawl's, or a running one's)
        that the catalogue does not list at their revision. Intents older than
        ``STALE_INTENT_SECONDS`` are adopted: removed once this crawl's segment lists them."""
        from .archive import ArchiveError
        docs, now = [], time.time()
        for key in self.store.list(PENDING_PREFIX):
            try:
                intent = json.loads(self.store.get(key))
            except KeyNotFound:   # its crawl listed them meanwhile
                continue
            except ValueError as exc:
                logger.warning("Batch intent %s unreadable (%s); skipped", key, exc)
                continue
            for doc_id in intent.get("ids") or ():
                try:
                    doc = archive.load_document(doc_id)
                except ArchiveError as exc:   # not written (yet), or damaged: verify reports it
                    logger.info("Not listing %s from %s: %s", doc_id, key, exc)
                    continue
                if (doc.get("rev") or 0) > (catalog.column(doc_id, "rev") or 0):
                    docs.append(doc)
            if now - float(intent.get("written_at") or now) > STALE_INTENT_SECONDS:
                self.adopted.append(key)
        return docs


class _BaseFreq:
    """Block hash -> pages it appeared on: the snapshot's count plus this crawl's."""

    def __init__(self, snap, sid):
        self.snap, self.sid, self.added = snap, sid, {}

    def get(self, h, default=None):
        n = self.snap.freq(self.sid, h) + self.added.get(h, 0)
        return n if n else default

    def __getitem__(self, h):
        n = self.get(h)
        if n is None:
            raise KeyError(h)
        return n

    def __setitem__(self, h, n) -> None:
        self.added[h] = n - self.snap.freq(self.sid, h)

    def __contains__(self, h) -> bool:
        return self.get(h) is not None


class _BasePages:
    def __init__(self, snap, sid):
        self.snap, self.sid, self.added = snap, sid, set()
        self._base = snap.count(sid, "block_pages")

    def __contains__(self, h) -> bool:
        return h in self.added or self.snap.has_page(self.sid, h)

    def add(self, h) -> None:   # callers add only pages not counted yet
        self.added.add(h)

    def __len__(self) -> int:
        return self._base + len(self.added)


class _BaseNames:
    """Title or lead hash -> page key; the first one known wins (the snapshot's before ours)."""

    def __init__(self, snap, sid, kind):
        self.snap, self.sid, self.kind, self.added = snap, sid, kind, {}
        self._base = snap.count(sid, "block_names", kind)

    def get(self, h, default=None):
        name = self.snap.name(self.sid, self.kind, h)
        if name is None:
            name = self.added.get(h)
        return default if name is None else name

    def __getitem__(self, h):
        name = self.get(h)
        if name is None:
            raise KeyError(h)
        return name

    def __contains__(self, h) -> bool:
        return self.get(h) is not None

    def setdefault(self, h, key):
        name = self.get(h)
        if name is None:
            self.added[h] = name = key
        return name

    def __len__(self) -> int:
        return self._base + len(self.added)

    def __reversed__(self):
        return reversed(self.added)


class CatalogBlocks(TrackedBlocks):
    """A site's block table read from a :class:`archive.catalog.BlockSnapshot`, with only what
    this crawl observes in memory (and in its deltas)."""

    def __init__(self, snap, site: str):
        super().__init__()
        sid = snap.sites.get(site)
        self.freq = _BaseFreq(snap, sid)
        self.pages = _BasePages(snap, sid)
        self.titles = _BaseNames(snap, sid, 0)
        self.leads = _BaseNames(snap, sid, 1)

    def to_bytes(self) -> bytes:
        raise TypeError("a catalogue-backed block table is saved as deltas, never whole")
