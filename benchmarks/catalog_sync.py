"""A fresh catalogue's first sync of a large archive: near-duplicate and anchor rows inserted one
document at a time (what every sync did before) next to a bulk sync (the rows laid out once at
its end, staged and inserted in key order), on the same listing, in one process.

    .venv/bin/python benchmarks/catalog_sync.py [--sizes 100000,300000]

The listing is written to a temporary local archive as segments of 2,000 entries (each with a
random simhash, a text digest and 0-3 anchor paragraph hashes, seeded). Each variant syncs a new
catalogue file of its own (file-backed SQLite with the catalogue's default page cache, as a user's
first ``archive list`` on a new machine). Prints seconds and the WAL's size at the end for both,
and exits 1 if their near or anchor rows differ.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import catalog as catalog_mod  # noqa: E402
from archive.archive import Archive  # noqa: E402
from archive.catalog import Catalog  # noqa: E402

SEGMENT = 2000


def listing(archive: Archive, size: int, seed: int) -> None:
    rng = Random(seed)
    for start in range(0, size, SEGMENT):
        entries = {}
        for i in range(start, min(size, start + SEGMENT)):
            doc_id = f"{rng.getrandbits(64):016x}"
            entries[doc_id] = {"id": doc_id, "url": f"http://site{i % 4}.test/news/{i}", "rev": 1, "versions": 1,
                               "title": f"Article {i}", "published": f"2026-{1 + i % 12:02}-01", "site": f"site{i % 4}.test",
                               "text_sha256": f"{rng.getrandbits(256):064x}", "simhash": f"{rng.getrandbits(64):016x}",
                               "anchors": [f"{rng.getrandbits(64):016x}" for _ in range(rng.randrange(0, 4))]}
        archive.save_listing_segment(f"{start:09}", entries)


def sync(archive: Archive, path: Path, threshold: int) -> tuple[float, int, Catalog]:
    catalog_mod.BULK_SYNC_BYTES = threshold
    cat = Catalog(archive, path)
    t = time.perf_counter()
    cat.sync()
    wall = time.perf_counter() - t
    wal = Path(str(path) + "-wal")
    return wall, wal.stat().st_size if wal.exists() else 0, cat


def digest(cat: Catalog) -> tuple[int, str]:
    """The near and anchor rows, in key order, as a count and a digest."""
    h, n = hashlib.sha256(), 0
    for table, order in (("near", "band, value, id"), ("anchor", "h, id, n")):
        for row in cat.db.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            h.update(repr(row).encode())
            n += 1
    return n, h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,300000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-bytes", type=int, default=catalog_mod.BULK_SYNC_BYTES,
                    help="the bulk threshold in bytes (default: the catalogue's own)")
    args = ap.parse_args()
    status = 0
    print(f"{'docs':>9}  {'sync':24} {'seconds':>8} {'WAL MB':>7} {'rows':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="catalog-sync-") as tmp:
            archive = Archive.open(os.path.join(tmp, "archive"), create=True)
            listing(archive, size, args.seed)
            answers = []
            for name, threshold in (("one document at a time", 1 << 62), ("bulk, laid out once", args.min_bytes)):
                wall, wal, cat = sync(archive, Path(tmp) / f"{threshold}.sqlite", threshold)
                answers.append(digest(cat))
                cat.close()
                print(f"{size:>9,}  {name:24} {wall:>8.1f} {wal / 1e6:>7.0f} {answers[-1][0]:>10,}", flush=True)
            if answers[0] != answers[1]:
                print(f"the near or anchor rows differ at {size:,}", file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
