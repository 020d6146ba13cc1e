"""NearDupIndex against simhash.SimhashIndex on the same data, queries and process.

    .venv/bin/python benchmarks/neardup.py [--sizes 100000,1000000] [--queries 2000] [--k 3]

Data: random 64-bit fingerprints (seeded), a tenth of them planted near-duplicates of others
(0..k+1 bits flipped); queries: half stored fingerprints with 0..k+1 bits flipped (hits, and misses
at the boundary), half random. Keys look like the archive's document ids (16 hex digits).
Timings use an untraced build; memory comes from a second build under tracemalloc. Lookup times are
the best of --rounds passes over all queries, the two indexes' passes interleaved (SimhashIndex gets
prebuilt Simhash query objects).
Exits 1 if any answer differs.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simhash import Simhash, SimhashIndex  # noqa: E402

from archive.neardup import NearDupIndex  # noqa: E402

MASK64 = (1 << 64) - 1


def rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def flip(fp: int, nbits: int, rng: Random) -> int:
    for b in rng.sample(range(64), nbits):
        fp ^= 1 << b
    return fp


def make_data(n: int, nq: int, k: int, seed: int):
    rng = Random(seed)
    fps = [rng.getrandbits(64) for _ in range(n - n // 10)]
    fps += [flip(rng.choice(fps), rng.randint(0, k + 1), rng) for _ in range(n // 10)]
    keys = [f"{i * 0x9E3779B97F4A7C15 & MASK64:016x}" for i in range(n)]  # unique, id-like
    queries = [flip(rng.choice(fps), rng.randint(0, k + 1), rng) for _ in range(nq // 2)]
    queries += [rng.getrandbits(64) for _ in range(nq - nq // 2)]
    return keys, fps, queries


def build_ours(keys, fps, k):
    index = NearDupIndex(k)
    index.update(zip(keys, fps))
    return index


def build_theirs(objs, k):
    return SimhashIndex(objs, k=k)


def timed_build(build, *args):
    gc.collect()
    before, t = rss(), time.perf_counter()
    index = build(*args)
    return index, time.perf_counter() - t, rss() - before


def traced(build, args, lookups, warm_up):
    """(bytes held after the build, bytes added by running the lookups once) under tracemalloc."""
    gc.collect()
    tracemalloc.start()
    index = build(*args)
    warm_up(index)  # one lookup of a stored fingerprint: the interpreter's first-use allocations
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    extra = len(index.bucket) if isinstance(index, SimhashIndex) else None
    lookups(index)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - held
    tracemalloc.stop()
    if extra is not None:
        extra = len(index.bucket) - extra
    del index
    gc.collect()
    return held, grown, extra


def per_lookup(runs, rounds):
    """Best seconds per lookup of each ``(lookup, queries)``, their passes interleaved."""
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for n, (fn, qs) in enumerate(runs):
            t = time.perf_counter()
            for q in qs:
                fn(q)
            best[n] = min(best[n], (time.perf_counter() - t) / len(qs))
    return best


def mb(x: float) -> str:
    return f"{x / 1e6:,.1f} MB"


def row(label, ours, theirs, ratio=""):
    print(f"  {label:<34}{ours:>16}{theirs:>18}   {ratio}")


def run(n: int, nq: int, k: int, seed: int, rounds: int, simhash_max: int) -> bool:
    print(f"\n== {n:,} fingerprints ({n - n // 10:,} random + {n // 10:,} planted near-dups), "
          f"k={k}, {nq:,} queries ==")
    keys, fps, queries = make_data(n, nq, k, seed)
    with_theirs = n <= simhash_max
    objs = [(key, Simhash(fp)) for key, fp in zip(keys, fps)] if with_theirs else None
    sq = [Simhash(q) for q in queries]

    ours, ours_build, ours_rss = timed_build(build_ours, keys, fps, k)
    if with_theirs:
        theirs, theirs_build, theirs_rss = timed_build(build_theirs, objs, k)
    gc.collect()
    gc.freeze()  # the long-lived index objects stay out of the collector's scans (both sides)

    ours_answers = [ours.query(q) for q in queries]
    hits = sum(map(len, ours_answers))
    same = True
    if with_theirs:
        theirs_answers = [theirs.get_near_dups(q) for q in sq]
        ours_us, theirs_us = (s * 1e6 for s in per_lookup(
            [(ours.query, queries), (theirs.get_near_dups, sq)], rounds))
        diff = sum({key for key, _ in a} != set(b) for a, b in zip(ours_answers, theirs_answers))
        same = diff == 0
    else:
        ours_us = per_lookup([(ours.query, queries)], rounds)[0] * 1e6
    fp_of = dict(zip(keys, fps))
    bad_dist = sum(d != (fp_of[key] ^ q).bit_count() or d > k
                   for q, a in zip(queries, ours_answers) for key, d in a)
    del fp_of

    # crawl pattern: query, then add, for new fingerprints (on the built indexes)
    rng = Random(seed + 1)
    new = [(f"new{i:08d}", rng.getrandbits(64)) for i in range(nq)]
    t = time.perf_counter()
    for key, fp in new:
        ours.query(fp)
        ours.add(key, fp)
    ours_crawl = (time.perf_counter() - t) / nq * 1e6
    if with_theirs:
        snew = [(key, Simhash(fp)) for key, fp in new]
        t = time.perf_counter()
        for key, s in snew:
            theirs.get_near_dups(s)
            theirs.add(key, s)
        theirs_crawl = (time.perf_counter() - t) / nq * 1e6

    # persistence (on the index built above, plus the crawl's adds)
    t = time.perf_counter()
    blob = ours.to_bytes()
    dump_s = time.perf_counter() - t
    t = time.perf_counter()
    loaded = NearDupIndex.from_bytes(blob)
    load_s = time.perf_counter() - t
    reload_same = all(loaded.query(q) == ours.query(q) for q in queries)
    del loaded

    gc.unfreeze()
    del ours
    if with_theirs:
        del theirs
    gc.collect()
    o_held, o_grown, _ = traced(build_ours, (keys, fps, k),
                                lambda ix: [ix.query(q) for q in queries],
                                lambda ix: ix.query(fps[0]))
    if with_theirs:
        t_held, t_grown, t_new_buckets = traced(build_theirs, (objs, k),
                                                lambda ix: [ix.get_near_dups(q) for q in sq],
                                                lambda ix: ix.get_near_dups(objs[0][1]))

    na = "(not run)"
    print(f"  {'':<34}{'NearDupIndex':>16}{'SimhashIndex':>18}   ratio")
    if with_theirs:
        row("build time", f"{ours_build:.2f} s", f"{theirs_build:.2f} s",
            f"{theirs_build / ours_build:.1f}x faster")
        row(f"lookup (best of {rounds} passes)", f"{ours_us:.1f} us", f"{theirs_us:.1f} us",
            f"speed-up {theirs_us / ours_us:.1f}x")
        row("memory (tracemalloc, built index)", mb(o_held), mb(t_held),
            f"ours is 1/{t_held / o_held:.1f} of theirs")
        row("bytes per entry", f"{o_held / n:.0f} B", f"{t_held / n:.0f} B")
        row("RSS delta of the build (secondary)", mb(ours_rss), mb(theirs_rss))
        row(f"growth after {nq:,} lookups", f"{o_grown:+,} B", f"{t_grown:+,} B",
            f"(+{t_new_buckets:,} empty bucket sets in SimhashIndex)")
        row("crawl: query + add, new keys", f"{ours_crawl:.1f} us", f"{theirs_crawl:.1f} us",
            f"{theirs_crawl / ours_crawl:.1f}x faster")
    else:
        print(f"  SimhashIndex not run at this size (--simhash-max {simhash_max:,}): "
              "no comparison, no extrapolation")
        row("build time", f"{ours_build:.2f} s", na)
        row(f"lookup (best of {rounds} passes)", f"{ours_us:.1f} us", na)
        row("memory (tracemalloc, built index)", mb(o_held), na)
        row("bytes per entry", f"{o_held / n:.0f} B", na)
        row("RSS delta of the build (secondary)", mb(ours_rss), na)
        row(f"growth after {nq:,} lookups", f"{o_grown:+,} B", na)
        row("crawl: query + add, new keys", f"{ours_crawl:.1f} us", na)
    print(f"  persistence: to_bytes {mb(len(blob))} ({len(blob) / len(keys):.0f} B/entry) "
          f"in {dump_s:.2f} s; from_bytes {load_s * 1e3:.0f} ms; "
          f"answers after reload identical: {'yes' if reload_same else 'NO'}")
    if with_theirs:
        print(f"  identical answers: {'yes' if same else 'NO'} ({nq:,} queries, {hits:,} hits"
              f"{'' if same else f', {diff} differ'}); distances checked: "
              f"{'all correct' if not bad_dist else f'{bad_dist} WRONG'}")
        print(f"  targets: speed-up >= 10x: {'yes' if theirs_us >= 10 * ours_us else 'NO'}; "
              f"memory <= 1/5: {'yes' if 5 * o_held <= t_held else 'NO'}")
    else:
        print(f"  {hits:,} hits; distances checked: "
              f"{'all correct' if not bad_dist else f'{bad_dist} WRONG'}")
    return same and reload_same and not bad_dist


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3, help="lookup passes; the best is reported")
    ap.add_argument("--simhash-max", type=int, default=1_000_000,
                    help="largest size at which SimhashIndex is built too")
    args = ap.parse_args()
    ok = True
    for n in (int(s) for s in args.sizes.split(",")):
        ok &= run(n, args.queries, args.k, args.seed, args.rounds, args.simhash_max)
    print("\nall answers identical" if ok else "\nANSWERS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
