"""The catalogue's near-duplicate lookups with the old band plan (7 one-block bands, what
``NearDupIndex(k=6)`` keys on) next to the current one (28 two-block bands, ``blocks=8``), on the
same fingerprints and queries, in one process.

    .venv/bin/python benchmarks/catalog_bands.py [--sizes 100000,400000] [--queries 300]

Each plan gets a SQLite table laid out as the catalogue's ``near`` table (``band, value, fp, id``,
primary key ``(band, value, id)``, without rowid) and is queried with the catalogue's own SQL (one
``SELECT id, fp ... WHERE band=? AND value=?`` per band, ``UNION ALL``), then the distance check
``CatalogNearIndex.query`` does. Fingerprints are random 64-bit values (seeded), a tenth of them
planted within 6 bits of another; queries are half stored fingerprints with a few bits flipped,
half random. Prints rows fetched and ms per query for both, and exits 1 if any answer differs.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.catalog import _near_masks, _signed, _unsigned  # noqa: E402
from archive.dedup import NEAR_K  # noqa: E402
from archive.neardup import NearDupIndex  # noqa: E402


def table(masks: list[int], fps: dict[str, int]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE near (band INTEGER, value INTEGER, fp INTEGER, id TEXT, "
               "PRIMARY KEY (band, value, id)) WITHOUT ROWID")
    db.executemany("INSERT INTO near VALUES (?, ?, ?, ?)",
                   ((band, _signed(fp & mask), _signed(fp), key) for key, fp in fps.items()
                    for band, mask in enumerate(masks)))
    return db


def query(db: sqlite3.Connection, masks: list[int], fp: int) -> tuple[list[tuple[str, int]], int]:
    sql = " UNION ALL ".join(["SELECT id, fp FROM near WHERE band=? AND value=?"] * len(masks))
    rows = db.execute(sql, [x for band, mask in enumerate(masks) for x in (band, _signed(fp & mask))]).fetchall()
    found = {}
    for key, other in rows:
        d = (_unsigned(other) ^ fp).bit_count()
        if d <= NEAR_K:
            found[key] = d
    return sorted(found.items(), key=lambda kd: (kd[1], kd[0])), len(rows)


def flip(fp: int, n: int, rng: Random) -> int:
    for bit in rng.sample(range(64), n):
        fp ^= 1 << bit
    return fp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,400000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    plans = {"7 one-block bands (before)": [m for m, *_ in NearDupIndex(k=NEAR_K)._plan],
             f"{len(_near_masks())} two-block bands (now)": _near_masks()}
    status = 0
    print(f"{'docs':>9}  {'plan':30} {'rows/query':>11} {'ms/query':>9} {'hits':>6}")
    for size in (int(s) for s in args.sizes.split(",")):
        rng = Random(args.seed)
        fps = {f"{i:016x}": rng.getrandbits(64) for i in range(size)}
        keys = list(fps)
        for key in rng.sample(keys, size // 10):
            fps[key] = flip(fps[rng.choice(keys)], rng.randint(0, NEAR_K), rng)
        queries = [flip(fps[rng.choice(keys)], rng.randint(0, NEAR_K + 1), rng) if i % 2 else rng.getrandbits(64)
                   for i in range(args.queries)]
        answers = {}
        for name, masks in plans.items():
            db = table(masks, fps)
            t = time.perf_counter()
            got = [query(db, masks, q) for q in queries]
            ms = (time.perf_counter() - t) * 1000 / len(queries)
            answers[name] = [a for a, _ in got]
            rows = sum(n for _, n in got) / len(queries)
            print(f"{size:>9,}  {name:30} {rows:>11.0f} {ms:>9.2f} {sum(map(len, answers[name])):>6}", flush=True)
            db.close()
        first, *rest = answers.values()
        if any(other != first for other in rest):
            print(f"answers differ at {size:,}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
