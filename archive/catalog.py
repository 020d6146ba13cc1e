"""A local SQLite catalogue of an archive: lookups, filtered listings, full-text search, totals.

The archive's listing is a set of immutable segments (``index/listing/<name>.json``, one per crawl
batch, merged by size tiers). The catalogue is a cache of them on this machine, in
``$XDG_CACHE_HOME/newsarchive/<sha256 of the archive URI>.sqlite`` (``~/.cache`` without
``XDG_CACHE_HOME``; ``$ARCHIVE_CATALOG`` or ``path=`` names another file). It is never the truth:
delete it and the next command builds it again from the store.

``sync()`` costs one LIST of ``index/listing/`` and one GET per segment it has not seen:

- a new segment's entries are merged in by document revision (the highest ``rev`` wins; an equal
  one is taken too, so the entry names the newest segment that holds it), each entry remembering
  the segment it came from;
- a segment that disappeared was merged into a new one (compaction) or replaced by ``archive
  reindex``: the entries that came only from it, and that no new segment holds, are dropped;
- a segment listed but gone when read was merged away meanwhile: the LIST is made again.

Readers are therefore correct while crawls write: segments are written whole, after their
documents, and a compaction writes its merged segment before deleting the ones it merged.

Full-text search (SQLite FTS5 over title and text) needs the documents' text, which the listing
does not carry: ``sync_texts()`` reads the documents whose text the catalogue has not indexed yet
(first search after a crawl: one GET per new or changed document, never again for the others).
The FTS table is contentless (the text is not stored twice); a document whose text changed gets a
new row and the old one is ignored through ``docs.fts_rowid``.

Crawl reports (``crawls/*.json``) are read once each into ``reports``, for ``archive stats``.

A ``304 Not Modified`` writes no document (an unchanged recrawl stores only its report, its WARC
file, its CDXJ and the ``index/warcs/`` segment naming it), so the last time a document was seen may be later than its ``last_seen``:
``sync_not_modified()`` reads the CDXJ of each WARC file once and keeps, per URL, the time of its
last 304 revisit record; ``last_seen(doc)`` is the later of the two. The CDXJ and originals files
not read yet are found through the WARC index segments (``sync_warc_index()``, see
:mod:`archive.warcindex`), not by listing ``warc/``, which grows with the archive.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator

from .store import KeyNotFound

log = logging.getLogger(__name__)
SCHEMA_VERSION = "2"
LISTING_PREFIX = "index/listing/"
REPORTS_PREFIX = "crawls/"
WARC_PREFIX = "warc/"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS segments (key TEXT PRIMARY KEY, size INTEGER, entries INTEGER);
CREATE TABLE IF NOT EXISTS docs (
    id TEXT PRIMARY KEY, url TEXT, title TEXT, published TEXT, site TEXT, rev INTEGER,
    versions INTEGER, aliases TEXT, n_aliases INTEGER, text_sha256 TEXT, simhash TEXT,
    segment TEXT, fts_rowid INTEGER, fts_sha256 TEXT, anchors TEXT, n_anchors INTEGER);
CREATE INDEX IF NOT EXISTS docs_order ON docs (published DESC, id DESC);
CREATE INDEX IF NOT EXISTS docs_site ON docs (site, published DESC, id DESC);
CREATE INDEX IF NOT EXISTS docs_segment ON docs (segment);
CREATE INDEX IF NOT EXISTS docs_fts ON docs (fts_rowid);
CREATE INDEX IF NOT EXISTS docs_unindexed ON docs (id) WHERE fts_sha256 IS NOT text_sha256;
CREATE TABLE IF NOT EXISTS urls (url TEXT PRIMARY KEY, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS urls_id ON urls (id);
CREATE TABLE IF NOT EXISTS reports (
    key TEXT PRIMARY KEY, crawl_id TEXT, spider TEXT, finished_at TEXT, elapsed_seconds REAL,
    counts TEXT);
CREATE TABLE IF NOT EXISTS warc_segments (key TEXT PRIMARY KEY, size INTEGER);
CREATE TABLE IF NOT EXISTS warc_files (key TEXT PRIMARY KEY, size INTEGER NOT NULL, done INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS warc_files_todo ON warc_files (key) WHERE done = 0;
CREATE TABLE IF NOT EXISTS not_modified (url TEXT PRIMARY KEY, last_seen TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, text, content='', tokenize='unicode61 remove_diacritics 2');
"""

# Near-duplicate candidates (CatalogNearIndex): each latest simhash under each of its pigeonhole
# bands (the bits of the blocks one NearDupIndex table keys on), and each anchor paragraph hash;
# signed 64-bit. Laid out for one NEAR_K and NEAR_BLOCKS (meta 'near_k'); another layout is re-laid once.
_NEAR_SCHEMA = """
CREATE TABLE IF NOT EXISTS near (band INTEGER, value INTEGER, fp INTEGER, id TEXT,
    PRIMARY KEY (band, value, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS anchor (h INTEGER, id TEXT, n INTEGER, PRIMARY KEY (h, id, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_sites (sid INTEGER PRIMARY KEY, site TEXT UNIQUE);
CREATE TABLE IF NOT EXISTS block_files (key TEXT PRIMARY KEY, sid INTEGER, size INTEGER);
CREATE TABLE IF NOT EXISTS block_pages (sid INTEGER, h INTEGER, PRIMARY KEY (sid, h)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_freq (sid INTEGER, h INTEGER, n INTEGER, PRIMARY KEY (sid, h)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_names (sid INTEGER, kind INTEGER, h INTEGER, key TEXT,
    PRIMARY KEY (sid, kind, h)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS originals (digest TEXT PRIMARY KEY, uri TEXT, date TEXT, rid TEXT, file TEXT)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS validator_files (key TEXT PRIMARY KEY, size INTEGER);
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, seen TEXT NOT NULL, entry TEXT NOT NULL);
"""

# The WARC index files not read yet, of one kind (a GLOB on the key), through warc_files_todo.
UNREAD_WARC_FILES = "SELECT key, size FROM warc_files WHERE done = 0 AND key GLOB ? ORDER BY key"

LISTED_COLUMNS = ("id", "url", "title", "published", "site", "rev", "versions", "aliases",
                  "text_sha256", "simhash")


def default_path(uri: str) -> Path:
    """Where the catalogue of ``uri`` lives unless told otherwise."""
    explicit = os.environ.get("ARCHIVE_CATALOG")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = hashlib.sha256(uri.encode("utf-8")).hexdigest()[:24]
    return Path(cache) / "newsarchive" / f"{name}.sqlite"


def _iso14(ts: str) -> str:
    """A CDXJ timestamp (``20260105100000``) as the archive writes times (``2026-01-05T10:00:00Z``)."""
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"


def _ts14(iso: str) -> str:
    """``2026-01-05T10:00:00.5Z`` -> ``20260105100000`` (to the second, as CDXJ keeps time)."""
    return re.sub(r"\D", "", iso)[:14].ljust(14, "0")


def _day_bound(value: str, *, end: bool) -> str:
    """``2026-01-05`` as a bound on ISO dates/timestamps: the whole day is included at the end."""
    value = value.strip()
    return value + "\uffff" if end else value


def fts_query(text: str) -> str:
    """A user's words as an FTS5 query: every word must appear (prefix match on the last one is
    not implied); quotes and operators are taken as plain words."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    return " ".join(f'"{w}"' for w in words)



# How long a write waits for another process's write transaction on the same catalogue. SQLite's
# own lock timeout (60 s) is shorter than some legitimate ones: a bulk sync or a re-lay of the near
# rows at 460,000 documents took 8 minutes, and a second crawl or command then failed with
# 'database is locked'.
WRITE_WAIT = 3600.0


def _while_locked(db, sql: str, wait: float, on_wait=None, pause: float = 0.0) -> None:
    """Execute ``sql``, trying again while SQLite says 'database is locked', for up to ``wait``
    seconds; ``on_wait`` is called once, the first time."""
    deadline, told = time.monotonic() + wait, False
    while True:
        try:
            db.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            if on_wait and not told:
                on_wait()
                told = True
            time.sleep(pause)


def _set_wal(db) -> None:
    """``PRAGMA journal_mode=WAL``. While another process switches a new catalogue file to WAL,
    this fails at once with 'database is locked' (SQLite's busy timeout does not apply to it):
    two crawls started together on a new catalogue. It is tried again for up to 60 s."""
    _while_locked(db, "PRAGMA journal_mode=WAL", 60.0, pause=0.05)


@contextlib.contextmanager
def immediate(db, path=None):
    """A write transaction taken at once (``BEGIN IMMEDIATE``): committed when the block ends,
    rolled back if it raises. Another process's write is waited out for up to ``WRITE_WAIT``
    seconds (each try waits SQLite's own timeout), with one warning line."""
    _while_locked(db, "BEGIN IMMEDIATE", WRITE_WAIT, on_wait=lambda: log.warning(
        "catalogue %s: waiting for another process's write to finish", path or ""))
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


class Catalog:
    """The catalogue of one archive. Thread-safe (one connection, one lock)."""

    def __init__(self, archive, path: str | os.PathLike | None = None):
        self.archive = archive
        self.path = Path(path) if path else default_path(archive.uri)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            if path:
                raise
            # No writable cache folder (a service account without a home): a temporary one.
            import tempfile
            self.path = Path(tempfile.gettempdir()) / f"newsarchive-{os.getuid()}" / self.path.name
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None,
                                  check_same_thread=False)
        _set_wal(self.db)
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);")
        schema = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if schema is not None and schema[0] != SCHEMA_VERSION:   # a cache of an older layout: start again
            for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "AND name NOT LIKE 'fts_%' AND name NOT LIKE 'sqlite_%'").fetchall():
                self.db.execute(f"DROP TABLE IF EXISTS {name}")
        self.db.executescript(_SCHEMA)
        self.db.executescript(_NEAR_SCHEMA)
        row = self.db.execute("SELECT value FROM meta WHERE key='uri'").fetchone()
        if row is None:
            from .dedup import NEAR_K   # the layout of the near rows (see check_near_layout)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('uri', ?), ('schema', ?), ('near_k', ?)",
                            (archive.uri, SCHEMA_VERSION, near_layout(NEAR_K)))
        elif row[0] != archive.uri:
            raise ValueError(f"catalogue {self.path} belongs to {row[0]}, not {archive.uri}")
        self.synced = {"segments_read": 0, "segments_dropped": 0, "entries": 0, "documents_dropped": 0}

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sync ------------------------------------------------------------------------------
    def sync(self, *, reports: bool = False) -> dict:
        """Bring the catalogue up to date with the store's listing segments (and crawl reports)."""
        with self._lock:
            from .dedup import NEAR_K   # every reader of the near rows (verify too) needs this layout
            self.check_near_layout(NEAR_K)
            for _ in range(10):
                if self._sync_once():
                    break
            if reports:
                self._sync_reports()
        return dict(self.synced)

    def _sync_once(self) -> bool:
        listed = {k: size for k, size in self.archive.store.scan(LISTING_PREFIX) if k.endswith(".json")}
        db = self.db
        known = dict(db.execute("SELECT key, size FROM segments"))
        # Segments are immutable; one rewritten under its name anyway (a different size) is read again.
        new = sorted(k for k in listed if known.get(k) != listed[k])
        gone = sorted(set(known) - set(listed))
        if not new and not gone:
            return True
        # A bulk sync lays the near rows out once at its end (see BULK_SYNC_BYTES).
        bulk = _bulk(sum(listed[k] for k in new),
                     db.execute("SELECT coalesce(sum(size), 0) FROM segments").fetchone()[0])
        complete = True
        with immediate(db, self.path):
            for key in new:
                try:
                    segment = json.loads(self.archive.store.get(key))
                except KeyNotFound:   # merged away after we listed it: its merge is listed next time
                    complete = False
                    continue
                except ValueError as exc:
                    from .archive import ArchiveError
                    raise ArchiveError(f"listing segment {key} is not valid JSON: {exc}") from exc
                self._merge_segment(key, segment, index_near=not bulk)
                db.execute("INSERT OR REPLACE INTO segments VALUES (?, ?, ?)", (key, listed[key], len(segment)))
                self.synced["segments_read"] += 1
                self.synced["entries"] += len(segment)
            if complete and gone:
                marks = ",".join("?" * len(gone))
                orphans = [i for (i,) in db.execute(f"SELECT id FROM docs WHERE segment IN ({marks})", gone)]
                for doc_id in orphans:
                    self._drop_doc(doc_id)
                db.execute(f"DELETE FROM segments WHERE key IN ({marks})", gone)
                self.synced["segments_dropped"] += len(gone)
                self.synced["documents_dropped"] += len(orphans)
            if bulk:
                self._relay_near()
        return complete

    def add_segment(self, key: str, segment: dict, size: int) -> None:
        """A segment this process has just written, merged in without reading it back."""
        with self._lock:
            with immediate(self.db, self.path):
                self._merge_segment(key, segment)
                self.db.execute("INSERT OR REPLACE INTO segments VALUES (?, ?, ?)", (key, size, len(segment)))

    def _merge_segment(self, key: str, segment: dict, *, index_near: bool = True) -> None:
        db = self.db
        for doc_id, entry in segment.items():
            row = db.execute("SELECT rev, url, aliases, text_sha256, simhash, anchors FROM docs WHERE id=?",
                             (doc_id,)).fetchone()
            rev = entry.get("rev") or 0
            if row is not None and rev < (row[0] or 0):
                continue
            anchors = " ".join(entry.get("anchors") or ())
            old = (row[3], row[4], row[5] or "") if row is not None else (None, None, "")
            new = (entry.get("text_sha256"), entry.get("simhash"), anchors)
            if old != new and index_near:
                self._unindex_near(doc_id, *old)
                self._index_near(doc_id, *new)
            aliases = list(entry.get("aliases") or ())
            db.execute(
                "INSERT INTO docs (id, url, title, published, site, rev, versions, aliases, n_aliases, "
                "text_sha256, simhash, segment, anchors, n_anchors) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET url=excluded.url, title=excluded.title, "
                "published=excluded.published, site=excluded.site, rev=excluded.rev, "
                "versions=excluded.versions, aliases=excluded.aliases, n_aliases=excluded.n_aliases, "
                "text_sha256=excluded.text_sha256, simhash=excluded.simhash, segment=excluded.segment, "
                "anchors=excluded.anchors, n_anchors=excluded.n_anchors",
                (doc_id, entry.get("url"), entry.get("title"), entry.get("published"), entry.get("site"), rev,
                 entry.get("versions") or 0, json.dumps(aliases, ensure_ascii=False), len(aliases),
                 entry.get("text_sha256"), entry.get("simhash"), key,
                 " ".join(entry.get("anchors") or ()), len(entry.get("anchors") or ())))
            if row is not None and row[1] == entry.get("url") and json.loads(row[2] or "[]") == aliases:
                continue   # same URLs as before: nothing to re-index
            db.execute("DELETE FROM urls WHERE id=?", (doc_id,))
            urls = {entry.get("url"), *aliases, *(entry.get("alias_keys") or ())}
            urls.discard(None)
            db.executemany("INSERT OR IGNORE INTO urls VALUES (?, ?)", [(u, doc_id) for u in sorted(urls)])

    def _near_rows(self, doc_id: str, text_sha: str | None, simhash: str | None, anchors: str):
        rows, anchor_rows = [], []
        if simhash and text_sha:
            fp = int(simhash, 16)
            rows = [(band, _signed(fp & mask), _signed(fp), doc_id) for band, mask in enumerate(_near_masks())]
        for n, h in enumerate(anchors.split()):
            anchor_rows.append((_signed(int(h, 16)), doc_id, n))
        return rows, anchor_rows

    def _index_near(self, doc_id, text_sha, simhash, anchors) -> None:
        rows, anchor_rows = self._near_rows(doc_id, text_sha, simhash, anchors)
        self.db.executemany("INSERT OR REPLACE INTO near VALUES (?, ?, ?, ?)", rows)
        self.db.executemany("INSERT OR REPLACE INTO anchor VALUES (?, ?, ?)", anchor_rows)

    def _unindex_near(self, doc_id, text_sha, simhash, anchors) -> None:
        rows, anchor_rows = self._near_rows(doc_id, text_sha, simhash, anchors)
        self.db.executemany("DELETE FROM near WHERE band=? AND value=? AND id=?", [(b, v, i) for b, v, _, i in rows])
        self.db.executemany("DELETE FROM anchor WHERE h=? AND id=? AND n=?", anchor_rows)

    def near_problems(self, doc_id: str, simhash: str | None, anchors: list[str]) -> list[str]:
        """How the near-duplicate and anchor rows of a document differ from what its latest
        version says (``simhash``, hex; ``anchors``, hex hashes of its anchor paragraphs)."""
        problems = []
        with self._lock:
            row = self.db.execute("SELECT text_sha256, simhash, anchors FROM docs WHERE id=?", (doc_id,)).fetchone()
            if row is None:
                return problems   # not listed: reported as such
            if (row[1] or None) != (simhash or None):
                problems.append(f"the index has simhash {row[1]}, the document {simhash}")
            elif simhash and row[0]:
                # One statement for all the bands (28 point lookups inside SQLite): one Python
                # round trip per band was 40% of verify's time at 470,000 documents.
                fp = int(simhash, 16)
                masks = _near_masks()
                pairs = [v for band, mask in enumerate(masks) for v in (band, _signed(fp & mask))]
                found = self.db.execute(_check_sql("near", "band", "value", len(masks), "near.fp=?"),
                                        (*pairs, doc_id, _signed(fp))).fetchone()[0]
                if found != len(masks):
                    problems.append(f"its simhash is filed under {found} of {len(masks)} bands")
            if (row[2] or "").split() != list(anchors):
                problems.append("the index's anchor paragraphs are not the document's")
            elif anchors:
                keys = [v for n, h in enumerate(anchors) for v in (_signed(int(h, 16)), n)]
                found = self.db.execute(_check_sql("anchor", "h", "n", len(anchors)),
                                        (*keys, doc_id)).fetchone()[0]
                if found != len(anchors):
                    problems.append(f"{len(anchors) - found} of its anchor paragraphs cannot be looked up")
        return problems

    def _near_layout_is(self, k: int) -> bool:
        row = self.db.execute("SELECT value FROM meta WHERE key='near_k'").fetchone()
        return row is not None and row[0] == near_layout(k)

    def check_near_layout(self, k: int) -> None:
        """The ``near`` rows are laid out for one ``NEAR_K``: another one re-lays them (once).

        Another process may be re-laying them already (two crawls started after an upgrade): the
        layout is checked again once the write lock is held, and while the other one holds it this
        one waits for it (:func:`immediate`) instead of failing after SQLite's lock timeout
        (a re-lay of 460,000 documents took 8 minutes)."""
        with self._lock:
            if self._near_layout_is(k):
                return
            with immediate(self.db, self.path):
                if not self._near_layout_is(k):   # the other process did it meanwhile
                    self._relay_near()
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('near_k', ?)", (near_layout(k),))

    def _relay_near(self) -> None:
        """All near and anchor rows again, for the current plan. They are staged in a temporary
        table and inserted in key order: inserted in document order, each row lands on a random
        page of an index far larger than the page cache (``benchmarks/catalog_sync.py``: 205 s
        against 70 s for 100,000 documents)."""
        db = self.db
        db.execute("DELETE FROM near")
        db.execute("DELETE FROM anchor")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS relay_near (band INTEGER, value INTEGER, fp INTEGER, id TEXT)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS relay_anchor (h INTEGER, id TEXT, n INTEGER)")
        try:
            for doc_id, sha, simhash, anchors in db.cursor().execute(   # a row at a time
                    "SELECT id, text_sha256, simhash, anchors FROM docs"):
                rows, anchor_rows = self._near_rows(doc_id, sha, simhash, anchors or "")
                db.executemany("INSERT INTO relay_near VALUES (?, ?, ?, ?)", rows)
                db.executemany("INSERT INTO relay_anchor VALUES (?, ?, ?)", anchor_rows)
            db.execute("INSERT OR REPLACE INTO near SELECT band, value, fp, id FROM relay_near "
                       "ORDER BY band, value, id")
            db.execute("INSERT OR REPLACE INTO anchor SELECT h, id, n FROM relay_anchor ORDER BY h, id, n")
        finally:
            db.execute("DELETE FROM relay_near")
            db.execute("DELETE FROM relay_anchor")

    def _drop_doc(self, doc_id: str) -> None:
        row = self.db.execute("SELECT text_sha256, simhash, anchors FROM docs WHERE id=?", (doc_id,)).fetchone()
        if row is not None:
            self._unindex_near(doc_id, row[0], row[1], row[2] or "")
        self.db.execute("DELETE FROM urls WHERE id=?", (doc_id,))
        self.db.execute("DELETE FROM docs WHERE id=?", (doc_id,))

    def _sync_reports(self) -> None:
        db = self.db
        known = {k for (k,) in db.execute("SELECT key FROM reports")}
        listed = [k for k in self.archive.store.list(REPORTS_PREFIX) if k.endswith(".json")]
        new = [k for k in listed if k not in known]
        gone = known - set(listed)
        rows = []
        for key in new:
            try:
                report = json.loads(self.archive.store.get(key))
            except (KeyNotFound, ValueError):
                continue
            rows.append((key, report.get("crawl_id"), report.get("spider"), report.get("finished_at"),
                         report.get("elapsed_seconds"), json.dumps(report.get("counts") or {})))
        with immediate(db, self.path):
            db.executemany("INSERT OR REPLACE INTO reports VALUES (?,?,?,?,?,?)", rows)
            db.executemany("DELETE FROM reports WHERE key=?", [(k,) for k in gone])

    # -- WARC index files ----------------------------------------------------------------------
    def sync_warc_index(self) -> int:
        """Learn the WARC index files (CDXJ, originals) written since the last call from the WARC
        index segments not read yet (:mod:`archive.warcindex`: one LIST of a bounded folder, one
        GET per new segment), not by listing ``warc/``; return how many files were new or changed.
        The first call on a catalogue also lists ``warc/`` once, for the files of WARC uploads no
        segment names (archives written before the segments existed)."""
        from . import warcindex
        with self._lock:
            listed = dict(warcindex.segments(self.archive.store))
            known = dict(self.db.execute("SELECT key, size FROM warc_segments"))
            files: dict[str, int] = {}
            read = []
            for key in sorted(k for k in listed if known.get(k) != listed[k]):
                segment = warcindex.read_segment(self.archive.store, key)
                if segment is not None:
                    files.update(segment)
                    read.append(key)
            scanned = self.db.execute("SELECT 1 FROM meta WHERE key='warc_listed'").fetchone() is not None
            done: dict[str, int] = {}
            if not scanned:
                for key, size in self.archive.store.scan(WARC_PREFIX):
                    if key.endswith((".cdxj", ".originals.jsonl")):
                        files.setdefault(key, size)
                done = self._files_read_by_older_code()
            with immediate(self.db, self.path):
                before = self.db.total_changes
                self.db.executemany(
                    "INSERT INTO warc_files VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "size=excluded.size, done=0 WHERE warc_files.size != excluded.size",
                    [(k, size, int(done.get(k) == size)) for k, size in sorted(files.items())])
                changed = self.db.total_changes - before
                self.db.executemany("INSERT OR REPLACE INTO warc_segments VALUES (?, ?)",
                                    [(k, listed[k]) for k in read])
                self.db.executemany("DELETE FROM warc_segments WHERE key=?",   # merged away
                                    [(k,) for k in known if k not in listed])
                if not scanned:
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('warc_listed', '1')")
                    self.db.execute("DROP TABLE IF EXISTS cdxj_files")
                    self.db.execute("DROP TABLE IF EXISTS originals_files")
            return changed

    def _files_read_by_older_code(self) -> dict[str, int]:
        """What a catalogue of an older version had read (its ``cdxj_files`` and ``originals_files``
        tables): those files need not be read again."""
        done: dict[str, int] = {}
        for table in ("cdxj_files", "originals_files"):
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone():
                done.update(self.db.execute(f"SELECT key, size FROM {table}"))
        return done

    def _unread_warc_files(self, suffix: str) -> list[tuple[str, int]]:
        """The WARC index files ending in ``suffix`` not read yet, in key order (a partial index
        holds only those: the cost does not grow with the files already read)."""
        return self.db.execute(UNREAD_WARC_FILES, ("*" + suffix,)).fetchall()

    def sync_originals(self) -> int:
        """Read the WARC files' ``.originals.jsonl`` not read yet (:meth:`sync_warc_index`, then
        one GET per new file): the first response record of each payload digest, for revisit
        records (:class:`CatalogOriginals`). Returns how many files were read."""
        from .warc import digest_hex
        with self._lock:
            self.sync_warc_index()
            new = self._unread_warc_files(".originals.jsonl")
            if not new:
                return 0
            with immediate(self.db, self.path):
                for key, size in new:
                    try:
                        lines = self.archive.store.get(key).decode("utf-8").splitlines()
                    except KeyNotFound:
                        lines = []
                    rows = []
                    for line in lines:
                        if line.strip():
                            o = json.loads(line)
                            rows.append((digest_hex(o["digest"]), o["uri"], o["date"], o.get("id"), key))
                    # The first file in key order wins, as when every file was read in order.
                    self.db.executemany(
                        "INSERT INTO originals VALUES (?, ?, ?, ?, ?) ON CONFLICT(digest) DO UPDATE SET "
                        "uri=excluded.uri, date=excluded.date, rid=excluded.rid, file=excluded.file "
                        "WHERE excluded.file < originals.file", rows)
                    self.db.execute("UPDATE warc_files SET done=1 WHERE key=? AND size=?", (key, size))
            return len(new)

    # -- HTTP validators -----------------------------------------------------------------------
    def sync_validators(self) -> int:
        """Merge the validators segments (``index/validators/*.json``) not seen yet: one LIST,
        one GET per new segment; per URL the entry last fetched or confirmed wins, as
        :func:`archive.validators.load_validators` merges them. Returns the segments read."""
        from .validators import PREFIX, merge_key
        with self._lock:
            listed = {k: size for k, size in self.archive.store.scan(PREFIX) if k.endswith(".json")}
            known = dict(self.db.execute("SELECT key, size FROM validator_files"))
            new = sorted(k for k in listed if known.get(k) != listed[k])
            gone = [k for k in known if k not in listed]
            if not new and not gone:
                return 0
            read = 0
            with immediate(self.db, self.path):
                for key in new:
                    try:
                        segment = json.loads(self.archive.store.get(key))
                    except KeyNotFound:   # merged away after we listed it: the merge is listed next time
                        continue
                    except ValueError:
                        segment = {}      # a damaged segment costs only unconditional fetches
                    self.db.executemany(
                        "INSERT INTO validators VALUES (?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                        "seen=excluded.seen, entry=excluded.entry WHERE excluded.seen >= validators.seen",
                        [(url, merge_key(entry), json.dumps(entry, ensure_ascii=False))
                         for url, entry in segment.items() if isinstance(entry, dict)])
                    self.db.execute("INSERT OR REPLACE INTO validator_files VALUES (?, ?)", (key, listed[key]))
                    read += 1
                # A segment merged away: its entries are in the merged one (kept: they are hints).
                self.db.executemany("DELETE FROM validator_files WHERE key=?", [(k,) for k in gone])
            return read

    def validator(self, url: str) -> dict | None:
        with self._lock:
            row = self.db.execute("SELECT entry FROM validators WHERE url=?", (url,)).fetchone()
        return json.loads(row[0]) if row else None

    def validator_urls(self, batch: int = 1000) -> Iterator[str]:
        """Every URL with validators, in order, read ``batch`` at a time (never all held)."""
        last = ""
        while True:
            with self._lock:
                urls = [u for (u,) in self.db.execute("SELECT url FROM validators WHERE url > ? ORDER BY url LIMIT ?",
                                                      (last, batch))]
            yield from urls
            if len(urls) < batch:
                return
            last = urls[-1]

    def count_validators(self) -> int:
        with self._lock:
            return self.db.execute("SELECT COUNT(*) FROM validators").fetchone()[0]

    # -- block tables --------------------------------------------------------------------------
    # Per site: the pages counted, how many pages each block hash appeared on, the titles and
    # leads of its articles (kind 0 and 1: hash -> page key). Synced from the store's per-batch
    # deltas (``index/blocks-delta/<site>/*.json``, immutable, merged by size tiers) and from a
    # whole image (``index/blocks/<site>.bin``) older versions wrote at the end of a crawl.
    def sync_blocks(self) -> int:
        """Apply the block-table deltas not seen yet (one LIST of each folder, one GET per new
        delta); a site whose image changed is rebuilt from its image and every delta. Applying
        a delta twice changes nothing (a page is counted once). Returns the deltas read."""
        from .indexes import BLOCKS_PREFIX, DELTAS_PREFIX, site_of_block_key
        with self._lock:
            for _ in range(5):
                images = {k: size for k, size in self.archive.store.scan(BLOCKS_PREFIX) if k.endswith(".bin")}
                deltas = {k: size for k, size in self.archive.store.scan(DELTAS_PREFIX) if k.endswith(".json")}
                known = dict(self.db.execute("SELECT key, size FROM block_files"))
                changed_sites = {site_of_block_key(k) for k in set(images) ^ {k for k in known if k.endswith(".bin")}}
                changed_sites |= {site_of_block_key(k) for k in images if known.get(k, images[k]) != images[k]}
                new = sorted(k for k in deltas if k not in known or site_of_block_key(k) in changed_sites)
                gone = [k for k in known if k not in images and k not in deltas]
                if not new and not changed_sites and not gone:
                    return 0
                read, complete = 0, True
                with immediate(self.db, self.path):
                    for site in sorted(changed_sites):
                        sid = self._site_id(site)
                        for table in ("block_pages", "block_freq", "block_names"):
                            self.db.execute(f"DELETE FROM {table} WHERE sid=?", (sid,))
                        self.db.execute("DELETE FROM block_files WHERE sid=?", (sid,))
                        image = next((k for k in images if site_of_block_key(k) == site), None)
                        if image is not None:
                            self._apply_image(sid, image, images[image])
                    for key in new:
                        try:
                            records = json.loads(self.archive.store.get(key))
                        except KeyNotFound:   # merged away meanwhile: the merged one is listed next time
                            complete = False
                            continue
                        except ValueError as exc:
                            import logging
                            logging.getLogger(__name__).warning("Block table delta %s unreadable (%s); skipped", key, exc)
                            records = []
                        sid = self._site_id(site_of_block_key(key))
                        self._apply_delta(sid, records)
                        self.db.execute("INSERT OR REPLACE INTO block_files VALUES (?, ?, ?)", (key, sid, deltas[key]))
                        read += 1
                    self.db.executemany("DELETE FROM block_files WHERE key=?", [(k,) for k in gone])
                if complete:
                    return read
            return read

    def _site_id(self, site: str) -> int:
        row = self.db.execute("SELECT sid FROM block_sites WHERE site=?", (site,)).fetchone()
        if row:
            return row[0]
        return self.db.execute("INSERT INTO block_sites (site) VALUES (?)", (site,)).lastrowid

    def _apply_image(self, sid: int, key: str, size: int) -> None:
        from .teasers import SiteBlocks
        try:
            table = SiteBlocks.from_bytes(self.archive.store.get(key))
        except (KeyNotFound, ValueError) as exc:
            import logging
            logging.getLogger(__name__).warning("Block table %s unreadable (%s); its deltas only", key, exc)
            return
        db = self.db
        db.executemany("INSERT OR IGNORE INTO block_pages VALUES (?, ?)", [(sid, _signed(h)) for h in table.pages])
        db.executemany("INSERT OR REPLACE INTO block_freq VALUES (?, ?, ?)",
                       [(sid, _signed(h), n) for h, n in table.freq.items()])
        for kind, names in ((0, table.titles), (1, table.leads)):
            db.executemany("INSERT OR IGNORE INTO block_names VALUES (?, ?, ?, ?)",
                           [(sid, kind, _signed(h), k) for h, k in names.items()])
        db.execute("INSERT OR REPLACE INTO block_files VALUES (?, ?, ?)", (key, sid, size))

    def _apply_delta(self, sid: int, records: list) -> None:
        db = self.db
        for kh, hashes, title, lead in records:
            if hashes is not None and db.execute("INSERT OR IGNORE INTO block_pages VALUES (?, ?)",
                                                 (sid, _signed(kh))).rowcount:
                db.executemany("INSERT INTO block_freq VALUES (?, ?, 1) ON CONFLICT(sid, h) DO UPDATE SET n = n + 1",
                               [(sid, _signed(h)) for h in hashes])
            for kind, name in ((0, title), (1, lead)):
                if name:
                    db.execute("INSERT OR IGNORE INTO block_names VALUES (?, ?, ?, ?)",
                               (sid, kind, _signed(name[0]), name[1]))

    def block_snapshot(self) -> "BlockSnapshot":
        """The block tables as they are now, for one crawl (see :class:`BlockSnapshot`)."""
        return BlockSnapshot(self.path)

    def original(self, sha256_hex: str) -> tuple[str, str, str | None] | None:
        with self._lock:
            row = self.db.execute("SELECT uri, date, rid FROM originals WHERE digest=?", (sha256_hex,)).fetchone()
        return None if row is None else tuple(row)

    def sync_not_modified(self) -> int:
        """Read the CDXJ indexes not read yet (:meth:`sync_warc_index`, then one GET per new
        file) for their 304 revisit records (the URLs a conditional request found unchanged, and
        when); return how many records were read."""
        from .urls import canonical_url
        with self._lock:
            self.sync_warc_index()
            new = self._unread_warc_files(".cdxj")
            if not new:
                return 0
            seen: dict[str, str] = {}
            records = 0
            for key, _ in new:
                try:
                    lines = self.archive.store.get(key).decode("utf-8").splitlines()
                except KeyNotFound:
                    continue
                for line in lines:
                    if '"304"' not in line:
                        continue
                    _, timestamp, fields = line.split(" ", 2)
                    fields = json.loads(fields)
                    if fields.get("status") != "304" or fields.get("mime") != "warc/revisit" or not fields.get("url"):
                        continue
                    records += 1
                    when = _iso14(timestamp)
                    for url in {fields["url"], canonical_url(fields["url"])}:
                        seen[url] = max(seen.get(url, ""), when)
            with immediate(self.db, self.path):
                self.db.executemany(
                    "INSERT INTO not_modified VALUES (?, ?) ON CONFLICT(url) DO UPDATE SET "
                    "last_seen=max(last_seen, excluded.last_seen)", sorted(seen.items()))
                self.db.executemany("UPDATE warc_files SET done=1 WHERE key=? AND size=?", new)
            return records

    def last_seen(self, doc: dict) -> str | None:
        """When the document was last seen: its own ``last_seen``, or a later 304 for one of its
        URLs (after :meth:`sync_not_modified`)."""
        with self._lock:
            row = self.db.execute("SELECT max(n.last_seen) FROM not_modified n JOIN urls u ON u.url = n.url "
                                  "WHERE u.id = ?", (doc["id"],)).fetchone()
        confirmed, own = row[0] if row else None, doc.get("last_seen")
        if confirmed and (not own or _iso14(_ts14(own)) < confirmed):
            return confirmed
        return own

    def sync_texts(self, *, threads: int = 8, batch: int = 500) -> int:
        """Index the text of every document whose text is not indexed yet; return how many.

        The documents to index are found through a partial index that holds only them, a page
        of ``batch`` at a time: a search on an archive whose texts are all indexed costs the
        same at a million documents as at a thousand, and a first indexing of many holds one
        page of ids, not all of them."""
        from .archive import ArchiveError

        def load(row):
            try:
                return self.archive.load_document(row[0]), row[1]
            except ArchiveError:
                return None, row[1]   # verify reports it; search just does not find it

        done, after = 0, ""
        with ThreadPoolExecutor(max_workers=threads) as pool:
            while True:
                with self._lock:
                    todo = self.db.execute(
                        "SELECT id, text_sha256 FROM docs WHERE fts_sha256 IS NOT text_sha256 AND id > ? "
                        "ORDER BY id LIMIT ?", (after, batch)).fetchall()
                if not todo:
                    return done
                after = todo[-1][0]
                docs = list(pool.map(load, todo))
                with self._lock, immediate(self.db, self.path):
                    for doc, sha in docs:
                        if doc is None:
                            continue
                        cur = self.db.execute("INSERT INTO fts (title, text) VALUES (?, ?)",
                                              (doc.get("title") or "", doc.get("text") or ""))
                        self.db.execute("UPDATE docs SET fts_rowid=?, fts_sha256=? WHERE id=?",
                                        (cur.lastrowid, sha, doc["id"]))
                        done += 1

    # -- lookups -----------------------------------------------------------------------------
    def _entry(self, row) -> dict:
        entry = dict(zip(LISTED_COLUMNS, row))
        entry["aliases"] = json.loads(entry["aliases"] or "[]")
        return entry

    def entry(self, doc_id: str) -> dict | None:
        with self._lock:
            row = self.db.execute(f"SELECT {', '.join(LISTED_COLUMNS)} FROM docs WHERE id=?", (doc_id,)).fetchone()
        return None if row is None else self._entry(row)

    def lookup_url(self, *urls: str) -> str | None:
        """The id of the document filed under, or seen at, any of ``urls``."""
        with self._lock:
            for url in urls:
                row = self.db.execute("SELECT id FROM urls WHERE url=?", (url,)).fetchone()
                if row:
                    return row[0]
        return None

    def entries(self, *, site: str | None = None, since: str | None = None, until: str | None = None,
                search: str | None = None, limit: int | None = None, order: str = "newest") -> Iterator[dict]:
        """Listing entries, newest publication first (``order="id"``: by id), filtered."""
        where, params = [], []
        if site:
            where.append("d.site = ?")
            params.append(site)
        if since:
            where.append("d.published >= ?")
            params.append(_day_bound(since, end=False))
        if until:
            where.append("d.published <= ?")
            params.append(_day_bound(until, end=True))
        cols = ", ".join(f"d.{c}" for c in LISTED_COLUMNS)
        if search:
            query = fts_query(search)
            if not query:
                return iter(())
            sql = f"SELECT {cols} FROM fts JOIN docs d ON d.fts_rowid = fts.rowid WHERE fts MATCH ?"
            params.insert(0, query)
            if where:
                sql += " AND " + " AND ".join(where)
        else:
            sql = f"SELECT {cols} FROM docs d" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY d.published DESC, d.id DESC" if order == "newest" else " ORDER BY d.id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return self._iter(sql, params)

    def _iter(self, sql: str, params: Iterable) -> Iterator[dict]:
        # A cursor of its own, read in pages: a listing of a million never sits in memory.
        with self._lock:
            cur = self.db.cursor()
            cur.execute(sql, list(params))
        while True:
            with self._lock:
                rows = cur.fetchmany(1000)
            if not rows:
                return
            for row in rows:
                yield self._entry(row)

    def ids(self) -> Iterator[str]:
        with self._lock:
            cur = self.db.cursor()
            cur.execute("SELECT id FROM docs ORDER BY id")
        while True:
            with self._lock:
                rows = cur.fetchmany(5000)
            if not rows:
                return
            for (doc_id,) in rows:
                yield doc_id

    def count(self, **filters) -> int:
        if not any(filters.values()):
            with self._lock:
                return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
        return sum(1 for _ in self.entries(**filters))

    def totals(self) -> dict:
        """Documents, versions, aliases, sites (from the listing); blobs, bytes and crawls (from
        the crawl reports: what each crawl added)."""
        with self._lock:
            docs, versions, aliases = self.db.execute(
                "SELECT count(*), coalesce(sum(versions), 0), coalesce(sum(n_aliases), 0) FROM docs").fetchone()
            sites = self.db.execute("SELECT count(DISTINCT site) FROM docs").fetchone()[0]
            blobs = bytes_ = crawls = 0
            for (counts,) in self.db.execute("SELECT counts FROM reports"):
                c = json.loads(counts or "{}")
                blobs += c.get("archive/blobs_new", 0)
                bytes_ += c.get("archive/bytes_stored", 0)
                crawls += 1
        return {"documents": docs, "versions": versions, "aliases": aliases, "sites": sites,
                "blobs": blobs, "blob_bytes": bytes_, "crawls": crawls}


    def has(self, doc_id: str) -> bool:
        with self._lock:
            return self.db.execute("SELECT 1 FROM docs WHERE id=?", (doc_id,)).fetchone() is not None

    def column(self, doc_id: str, name: str):
        with self._lock:
            row = self.db.execute(f"SELECT {name} FROM docs WHERE id=?", (doc_id,)).fetchone()
        return None if row is None else row[0]

    def rows(self, sql: str, params=()) -> Iterator[tuple]:
        """Rows of a query, read in pages (for the few full scans a rebuild needs)."""
        with self._lock:
            cur = self.db.cursor()
            cur.execute(sql, list(params))
        while True:
            with self._lock:
                page = cur.fetchmany(5000)
            if not page:
                return
            yield from page

    def last_report(self) -> dict | None:
        """The last crawl's id, spider, end, duration and counts (from ``reports``)."""
        with self._lock:
            row = self.db.execute("SELECT crawl_id, spider, finished_at, elapsed_seconds, counts FROM reports "
                                  "ORDER BY key DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return {"crawl_id": row[0], "spider": row[1], "finished_at": row[2], "elapsed_seconds": row[3],
                "counts": json.loads(row[4] or "{}")}


def open_catalog(archive, path: str | os.PathLike | None = None, *, sync: bool = True, **sync_options) -> Catalog:
    catalog = Catalog(archive, path)
    if sync:
        catalog.sync(**sync_options)
    return catalog


__all__ = ["BlockSnapshot", "Catalog", "CatalogNearIndex", "CatalogOriginals", "catalog_near_indexes", "default_path", "fts_query", "open_catalog"]


class _Column:
    """One column of the catalogue's documents as a read-mostly mapping (doc id -> value), with
    this crawl's values in memory on top; what :class:`archive.dedup.UrlIndex` keeps in dicts."""

    def __init__(self, catalog: Catalog, name: str, convert=None):
        self.catalog, self.name, self.convert = catalog, name, convert
        self.overlay: dict = {}

    def get(self, doc_id, default=None):
        if doc_id in self.overlay:
            return self.overlay[doc_id]
        value = self.catalog.column(doc_id, self.name)
        if value is None:
            return default
        return self.convert(value) if self.convert else value

    def __getitem__(self, doc_id):
        value = self.get(doc_id, _MISSING)
        if value is _MISSING:
            raise KeyError(doc_id)
        return value

    def __contains__(self, doc_id) -> bool:
        return self.get(doc_id, _MISSING) is not _MISSING

    def __setitem__(self, doc_id, value) -> None:
        self.overlay[doc_id] = value

    def items(self):
        for doc_id, value in self.catalog.rows(f"SELECT id, {self.name} FROM docs WHERE {self.name} IS NOT NULL "
                                               "AND text_sha256 IS NOT NULL ORDER BY id"):
            if doc_id not in self.overlay:
                yield doc_id, (self.convert(value) if self.convert else value)
        yield from self.overlay.items()

    def __len__(self) -> int:
        n = self.catalog.rows(f"SELECT count(*) FROM docs WHERE {self.name} IS NOT NULL AND text_sha256 IS NOT NULL")
        n = next(n)[0]
        return n + sum(1 for doc_id in self.overlay if not self.catalog.has(doc_id))


_MISSING = object()


def _hex(value: str) -> int:
    return int(value or "0", 16)


def _signed(v: int) -> int:
    """An unsigned 64-bit value as SQLite's signed INTEGER."""
    return v - (1 << 64) if v >= 1 << 63 else v


def _unsigned(v: int) -> int:
    return v + (1 << 64) if v < 0 else v


_MASKS: list[int] = []


# A sync whose new listing segments are this large, and at least this fraction of those already
# merged, lays the near-duplicate rows out once at its end, sorted (:meth:`Catalog._relay_near`),
# instead of inserting each document's 28 band rows and its anchors at random places of indexes far
# larger than the page cache: the first open of a large archive on a new machine, or after a pause.
BULK_SYNC_BYTES = 32 << 20
BULK_SYNC_FRACTION = 0.25


def _bulk(new_bytes: int, known_bytes: int) -> bool:
    return new_bytes >= BULK_SYNC_BYTES and new_bytes >= BULK_SYNC_FRACTION * known_bytes


def _check_sql(table: str, a: str, b: str, n: int, extra: str = "1") -> str:
    """How many of ``n`` (``a``, ``b``) keys of one document ``table`` holds: the keys as a list
    of constant rows joined to the table in that order, so each is one primary-key lookup (a
    ``(a, b) IN (VALUES ...)`` test made SQLite scan the whole table)."""
    keys = ",".join(["(?, ?)"] * n)
    return (f"WITH q(a, b) AS (VALUES {keys}) SELECT count(*) FROM q CROSS JOIN {table} "
            f"ON {table}.{a}=q.a AND {table}.{b}=q.b AND {table}.id=? WHERE {extra}")


def _near_masks() -> list[int]:
    """The bits each table of ``NearDupIndex(k=NEAR_K, blocks=NEAR_BLOCKS)`` keys on (pigeonhole
    blocks): two fingerprints within ``NEAR_K`` bits agree exactly on at least one of these bands.

    With one block per band (``blocks = k + 1``: 7 bands of 9-10 bits) a band has ~512 values, so
    each lookup returned every ~512th document: 5,606 rows and 8.1 ms per query at 442,000
    documents, growing with the archive. Eight blocks taken two at a time give 28 bands of 16
    bits: ~N / 65,536 rows per band, the same answers."""
    if not _MASKS:
        from .dedup import NEAR_BLOCKS, NEAR_K
        from .neardup import NearDupIndex
        _MASKS.extend(mask for mask, *_ in NearDupIndex(k=NEAR_K, blocks=NEAR_BLOCKS)._plan)
    return _MASKS


def near_layout(k: int) -> str:
    """How the ``near`` rows are laid out (meta ``near_k``): the distance and the block count."""
    from .dedup import NEAR_BLOCKS
    return f"{k}/{NEAR_BLOCKS}"


class CatalogNearIndex:
    """The catalogue's documents as a read-only near-duplicate index, for
    :class:`archive.neardup.LayeredNearIndex`: ``simhash`` (keys are document ids, fingerprints
    their latest simhash, within ``NEAR_K`` bits) or ``anchors`` (keys ``"<id>/<n>"``, the
    document's n-th anchor paragraph hash, exact). Each query reads a few index pages of the
    SQLite file: nothing of the archive is held in memory."""

    def __init__(self, catalog: Catalog, kind: str):
        from .dedup import NEAR_K
        if kind not in ("simhash", "anchors"):
            raise ValueError(f"kind is simhash or anchors, not {kind!r}")
        self.catalog, self.kind = catalog, kind
        self.k = NEAR_K if kind == "simhash" else 0
        masks = _near_masks()
        catalog.check_near_layout(NEAR_K)
        self._near_sql = " UNION ALL ".join(["SELECT id, fp FROM near WHERE band=? AND value=?"] * len(masks))

    def query(self, fp: int) -> list[tuple[str, int]]:
        if not 0 <= fp < 1 << 64:
            raise ValueError(f"fingerprint {fp!r} is not a 64-bit unsigned int")
        db = self.catalog.db
        with self.catalog._lock:
            if self.kind == "anchors":
                rows = db.execute("SELECT id, n FROM anchor WHERE h=?", (_signed(fp),)).fetchall()
                return sorted((f"{doc_id}/{n}", 0) for doc_id, n in rows)
            params = [x for band, mask in enumerate(_near_masks()) for x in (band, _signed(fp & mask))]
            rows = db.execute(self._near_sql, params).fetchall()
        k, found = self.k, {}
        for doc_id, other in rows:
            d = (_unsigned(other) ^ fp).bit_count()
            if d <= k:
                found[doc_id] = d
        return sorted(found.items(), key=lambda kd: (kd[1], kd[0]))

    def get(self, key: str) -> int | None:
        if self.kind == "simhash":
            with self.catalog._lock:
                row = self.catalog.db.execute("SELECT simhash FROM docs WHERE id=? AND simhash IS NOT NULL "
                                              "AND text_sha256 IS NOT NULL", (key,)).fetchone()
            return None if row is None else int(row[0], 16)
        doc_id, _, n = key.rpartition("/")
        if not n.isdigit():
            return None
        with self.catalog._lock:
            row = self.catalog.db.execute("SELECT anchors FROM docs WHERE id=?", (doc_id,)).fetchone()
        anchors = (row[0] or "").split() if row is not None else []
        return int(anchors[int(n)], 16) if int(n) < len(anchors) else None

    def count(self) -> int:
        with self.catalog._lock:
            if self.kind == "anchors":
                return self.catalog.db.execute("SELECT count(*) FROM anchor").fetchone()[0]
            return self.catalog.db.execute("SELECT count(*) FROM docs WHERE simhash IS NOT NULL "
                                           "AND text_sha256 IS NOT NULL").fetchone()[0]


class BlockSnapshot:
    """The catalogue's block tables as they were when it was opened: a read transaction on a
    connection of its own, so that another process syncing the same catalogue meanwhile (with
    the deltas this very crawl writes) never makes this crawl count its own pages twice. The
    crawl keeps what it observes on top (:class:`archive.indexes.CatalogBlocks`)."""

    def __init__(self, path):
        self.db = sqlite3.connect(str(path), timeout=60, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self.db.execute("BEGIN")
        self.sites = dict(self.db.execute("SELECT site, sid FROM block_sites"))

    def _one(self, sql: str, params):
        with self._lock:
            row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def freq(self, sid: int | None, h: int) -> int:
        if sid is None:
            return 0
        return self._one("SELECT n FROM block_freq WHERE sid=? AND h=?", (sid, _signed(h))) or 0

    def has_page(self, sid: int | None, h: int) -> bool:
        return sid is not None and self._one("SELECT 1 FROM block_pages WHERE sid=? AND h=?", (sid, _signed(h))) == 1

    def name(self, sid: int | None, kind: int, h: int) -> str | None:
        if sid is None:
            return None
        return self._one("SELECT key FROM block_names WHERE sid=? AND kind=? AND h=?", (sid, kind, _signed(h)))

    def count(self, sid: int | None, table: str, kind: int | None = None) -> int:
        if sid is None:
            return 0
        if kind is None:
            return self._one(f"SELECT count(*) FROM {table} WHERE sid=?", (sid,))
        return self._one(f"SELECT count(*) FROM {table} WHERE sid=? AND kind=?", (sid, kind))

    def close(self) -> None:
        with self._lock:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error:
                pass
            self.db.close()


class CatalogOriginals:
    """``lookup_original`` for :class:`archive.warc.WarcWriter`, answered by the catalogue:
    payload sha256 -> (uri, WARC-Date, record id) of its first response record in the archive's
    earlier WARC files, as :class:`archive.warc.ArchiveOriginals` answers, without holding every
    digest of the archive in memory. Syncs once, on first use."""

    def __init__(self, archive):
        self.archive = archive
        self._synced = False
        self._lock = threading.Lock()

    def __call__(self, sha256_hex: str):
        from .store import StoreError
        catalog = self.archive.catalog(sync=False)
        with self._lock:
            if not self._synced:
                self._synced = True
                try:
                    catalog.sync_originals()
                except (StoreError, ValueError, KeyError) as exc:
                    import logging
                    logging.getLogger(__name__).warning(
                        "Earlier WARC indexes unreadable (%s): repeated payloads get full records", exc)
        return catalog.original(sha256_hex)


def catalog_near_indexes(catalog: Catalog):
    """The near-duplicate and anchor indexes of a crawl: the catalogue's, with only what the
    crawl changes in memory (:class:`archive.neardup.LayeredNearIndex`)."""
    from .neardup import LayeredNearIndex
    return (LayeredNearIndex(CatalogNearIndex(catalog, "simhash")),
            LayeredNearIndex(CatalogNearIndex(catalog, "anchors")))


class CatalogValidators:
    """URL -> validators entry (a read-only mapping) answered by the catalogue, for a crawl's
    conditional requests: a crawl start syncs the segments it has not seen and holds none."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def get(self, url: str, default=None):
        entry = self.catalog.validator(url)
        return default if entry is None else entry

    def __getitem__(self, url: str) -> dict:
        entry = self.catalog.validator(url)
        if entry is None:
            raise KeyError(url)
        return entry

    def __contains__(self, url) -> bool:
        return self.catalog.validator(url) is not None

    def __iter__(self) -> Iterator[str]:
        return self.catalog.validator_urls()

    def __len__(self) -> int:
        return self.catalog.count_validators()


def catalog_url_index(catalog: Catalog):
    """An :class:`archive.dedup.UrlIndex` that answers from the catalogue (URL and alias -> id,
    each document's canonical URL, latest text digest and simhash) and keeps only what this crawl
    adds in memory: a crawl start reads no listing and builds no map of the whole archive."""
    from .dedup import UrlIndex

    class CatalogUrlIndex(UrlIndex):
        def __init__(self):
            super().__init__()
            self.catalog = catalog
            self.doc_url = _Column(catalog, "url")
            self.latest_sha = _Column(catalog, "text_sha256")
            self.latest_fp = _Column(catalog, "simhash", _hex)

        def add(self, doc_id: str, *urls: str) -> None:
            for url in urls:
                if url and url not in self._by_url and catalog.lookup_url(url) is None:
                    self._by_url[url] = doc_id

        def lookup(self, *urls: str) -> str | None:
            for url in urls:
                doc_id = self._by_url.get(url) or catalog.lookup_url(url)
                if doc_id:
                    return doc_id
            return None

    return CatalogUrlIndex()
