"""The indexes a crawl reads at its start and saves: the near-duplicate index and the
anchor-paragraph index (at the end of the crawl: the listing segments each batch writes carry
every entry's simhash and anchors, so a start after a killed crawl brings them up to date from
the listing), and the per-site block tables (with each batch). Each is written only when its
bytes changed since it was read or last written."""
from __future__ import annotations

import hashlib
import json
import logging

from .neardup import NearDupIndex
from .store import KeyNotFound, Store
from .teasers import SiteBlocks, block_hash

logger = logging.getLogger(__name__)

NEARDUP_KEY = "index/neardup.bin"
ANCHORS_KEY = "index/anchors.bin"


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

    def load_near(self, key: str, k: int, expected: int, items, must_hold=()) -> NearDupIndex:
        """A saved index, or one rebuilt from ``items()`` when missing, unreadable or stale
        (not ``expected`` entries, or missing one of ``must_hold``)."""
        try:
            index = NearDupIndex.from_bytes(self.get(key))
        except KeyNotFound:
            index = None
        except ValueError as exc:
            logger.warning("Index %s unreadable (%s); rebuilding it from the listing", key, exc)
            index = None
        if index is not None and index.k == k and (len(index) != expected or
                                                   any(doc_id not in index for doc_id in must_hold)):
            # Saved at the end of a crawl: behind when a crawl was killed or two finished
            # together. Brought up to date from the listing instead of rebuilt.
            for item_key, fp in items():
                if index.get(item_key) != fp:
                    index.add(item_key, fp)
        if index is None or index.k != k or len(index) != expected:
            index = NearDupIndex(k=k)
            index.update(items())
        return index

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
