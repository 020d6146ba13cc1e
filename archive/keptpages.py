"""The pages a crawl keeps for its final re-clean (:meth:`archive.filing.Filing._reclean`), held
in a private temporary SQLite database instead of in memory.

Each of a crawl's documents keeps the page that set its text (blocks, article fields, its
fingerprint: ~12 KB in Python objects) until the end, when it is cleaned again with the final
block tables. Up to ``RECLEAN_LIMIT`` (5,000) such pages in a dict were the largest thing a
long crawl held, and what made its memory grow with the pages crawled. Here each page is
pickled when kept (replacing the page kept before for the same document) and read back one at
a time, in document-id order, at the end. The database has no name (SQLite deletes it when it
is closed) and a small page cache: what it holds is on disk, in the temporary folder.
"""
from __future__ import annotations

import pickle
import sqlite3
import threading
from typing import Iterator


class KeptPages:
    """doc id -> page, on disk; the ids in memory (a few bytes each) for ``in`` and ``len``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids: set[str] = set()
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.executescript("PRAGMA cache_size=-1000; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                              "CREATE TABLE pages (id TEXT PRIMARY KEY, page BLOB) WITHOUT ROWID;")

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._ids

    def __setitem__(self, doc_id: str, page: dict) -> None:
        data = pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?)", (doc_id, data))
            self._ids.add(doc_id)

    def items(self) -> Iterator[tuple[str, dict]]:
        """Every (doc id, page), in doc-id order, one page in memory at a time."""
        after = ""
        while True:
            with self._lock:
                rows = self.db.execute("SELECT id, page FROM pages WHERE id > ? ORDER BY id LIMIT 100",
                                       (after,)).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            for doc_id, data in rows:
                yield doc_id, pickle.loads(data)

    def close(self) -> None:
        with self._lock:
            self._ids.clear()
            self.db.close()


__all__ = ["KeptPages"]
