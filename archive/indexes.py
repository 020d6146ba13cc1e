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
import time

from .store import KeyNotFound, Store
from .teasers import SiteBlocks, block_hash

logger = logging.getLogger(__name__)

NEARDUP_KEY = "index/neardup.bin"   # whole images older versions wrote at the end of a crawl; no longer
ANCHORS_KEY = "index/anchors.bin"   # read or written (the catalogue answers from the listing)


def blocks_key(site: str) -> str:
    return f"index/blocks/{site or '_'}.bin"


class IndexFiles:
    def __init__(self, store: Store):
        self.store = store
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

    def load_table(self, site: str) -> "TrackedBlocks":
        """A site's block table: its image (saved at the end of a crawl) with the batch deltas
        written since (by crawls still running, or killed) applied on top."""
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
            except KeyNotFound:   # folded into an image and deleted meanwhile
                continue
            except ValueError as exc:
                logger.warning("Block table delta %s unreadable (%s); skipped", key, exc)
            table.loaded_deltas.append(key)
        table.delta = []
        return table

    def save_delta(self, site: str, table: "TrackedBlocks", name: str) -> None:
        """What a batch taught the table (its pages' block hashes, titles, leads): small, and
        proportional to the batch, not to the site."""
        if not table.delta:
            return
        key = f"{deltas_prefix(site)}{name}.json"
        self.store.put(key, json.dumps(table.delta, separators=(",", ":")).encode(),
                       content_type="application/json")
        table.written_deltas.append(key)
        table.delta = []

    def save_table(self, site: str, table: "TrackedBlocks") -> None:
        """The whole image (at the end of a crawl), then the deltas it now holds are removed."""
        self.put(blocks_key(site), table.to_bytes())
        for key in table.loaded_deltas + table.written_deltas:
            self.store.delete(key)
        table.loaded_deltas, table.written_deltas, table.delta = [], [], []


def deltas_prefix(site: str) -> str:
    return f"index/blocks-delta/{site or '_'}/"


class TrackedBlocks(SiteBlocks):
    """A block table that records what each observation added, so a batch can write only that."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.delta: list = []             # [page hash, [block hashes] or None, title, lead]
        self.loaded_deltas: list[str] = []
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
