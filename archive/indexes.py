"""The indexes a crawl reads at its start and saves: the near-duplicate index and the
anchor-paragraph index (at the end of the crawl: the listing segments each batch writes carry
every entry's simhash and anchors, so a start after a killed crawl brings them up to date from
the listing), and the per-site block tables (with each batch). Each is written only when its
bytes changed since it was read or last written."""
from __future__ import annotations

import hashlib
import logging

from .neardup import NearDupIndex
from .store import KeyNotFound, Store
from .teasers import SiteBlocks

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

    def load_table(self, site: str) -> SiteBlocks:
        try:
            return SiteBlocks.from_bytes(self.get(blocks_key(site)))
        except KeyNotFound:
            return SiteBlocks()
        except ValueError as exc:
            logger.warning("Block table of %s unreadable (%s); starting a new one", site, exc)
            return SiteBlocks()
