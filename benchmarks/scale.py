"""How crawl start, batch writes, crawl sessions and `archive` commands cost as the archive grows.

    python benchmarks/scale.py --sizes 10000,100000            # a table
    python benchmarks/scale.py --sizes 10000,100000 --json     # one JSON object per size
    python benchmarks/scale.py --sizes 50000 --reuse /tmp/s50 --no-fsync --baseline main
        # build (or continue) an archive in /tmp/s50 and keep it; at 50,000 documents measure the
        # code at `main` and this tree on it, each after a crawl session of its own
    python benchmarks/scale.py --sizes 1000000 --reuse /tmp/s1m --no-fsync --jobs 2 --json
        # the building sessions run two at once, each on hosts of its own (both cores)

Where a build's time went (profiled, 1,500 articles on a fresh archive, before e21f17b): ~21% in
the local store's fsync per blob, text and document (16-33 ms each on this machine's disk), ~21%
in simhash (twice per article: filing and the end's re-clean; the second is now remembered), ~9%
in regular expressions (word shingles, block norms; block hashes and word counts are now
remembered per block), the rest spread over cleaning, WARC records and JSON. ``--no-fsync``
skips the fsync in building sessions only (what a power cut could lose, not what a session
reads, holds or writes); the probe sessions that measure start and batch writes keep it.

Builds one local archive up to each size in turn, through the library's real path, in crawl
sessions of ``--session`` (10,000) new articles each, every session in a fresh process (``--jobs
N``: N building sessions at once, as crawls of different sites sharing the archive; session j of
a round crawls lane j's hosts, ``l<j>-news-one.test``..., so they never share a site; each
round prints its docs/s and CPU ms per document, the CPU of each child read with ``wait4``):
``CrawlSession(...)``, then per page ``store_snapshot`` (spool + WARC record), ``ingest``
(cleaning with the site's block table, fingerprints, URL / simhash / anchor candidates, decision,
blob, conditional document writes in batches of 200, listing segment, indexes) and ``finish``
(re-clean, last batch, WARC upload, report).

What is NOT on the real path, to keep a 100k build within minutes: fetching (no Scrapy, no HTTP)
and ``archive.extract.extract``, which runs only on the four template pages (one per host); each
article then takes its template's extracted metadata with its own generated title, date, URL and
text (8 paragraphs drawn from a 4,000-word vocabulary, ~5 KB), and its HTML body (~7.5 KB) is the
template page with that text put in, so every body, blob, simhash and anchor is distinct.

At each size, measured in fresh processes on the archive as built:
- ``start_s``, ``start_rss_mb``: ``CrawlSession(Archive.open(uri))`` (what a crawl start loads),
  its time and the process's peak RSS, next to ``base_rss_mb``, the same process before it;
- ``batch_bytes``, ``batch_objects``: bytes and objects one 200-document batch writes besides the
  200 documents and their 200 blobs (listing segment, near-duplicate and anchor indexes, block
  tables), in a probe session of 200 new articles (its documents are then part of the archive);
  ``batch_max_bytes``, ``batch_max_objects``: the most any batch of the last 10k session or the
  probe wrote (a batch that merges segments by size tiers writes most);
- ``session_peak_rss_mb``: peak RSS of the last 10k-document crawl session of the build, with its
  rate (``session_docs_per_s``: articles filed per second of ``ingest`` and ``finish``) and its
  process's CPU per article (``session_cpu_ms_doc``, start-up and page generation included);
- ``show_url_ms``, ``list_ms``, ``search_ms``: ``archive show URL`` (an alias URL),
  ``archive list --limit 20`` and ``archive list --search WORD --limit 20``, each timed inside its
  process (interpreter start-up excluded, shown apart as ``cli_start_ms``) with the catalogue
  synced; ``catalog_sync_s`` is the first, incremental sync after the build (new segments), and
  ``search_index_s`` the first search's indexing of the new documents' text;
- ``verify_peak_rss_mb``: peak RSS of ``archive verify`` (``verify_s`` its time).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HOSTS = ("news-one.test", "daily-two.test", "herald-three.test", "courier-four.test")
SEARCH_WORD = "zephyrquill"   # put in one article in 500, so a search finds a few

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {site}</title>
<meta name="author" content="Staff reporter"><meta property="og:type" content="article">
<link rel="canonical" href="{url}">
<meta property="article:published_time" content="{published}">
</head><body>
<header><nav><a href="/">Home</a> <a href="/politics/">Politics</a> <a href="/economy/">Economy</a>
<a href="/culture/">Culture</a> <a href="/about/">About {site}</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Staff reporter, <time datetime="{published}">{published}</time></p>
{paragraphs}
</article>
<aside><h2>Most read</h2><ul><li><a href="/news/a">The council votes on the new budget</a></li>
<li><a href="/news/b">Rail link to open next spring</a></li><li><a href="/news/c">Festival draws record crowds</a></li></ul></aside>
</main>
<footer><p>&copy; 2026 {site}. All rights reserved. Contact the newsroom at newsroom@{host}.</p></footer>
</body></html>
"""


def rss_mb() -> float:
    """This process's peak RSS (VmHWM: reset at exec, unlike ru_maxrss, which a child inherits
    from the driver that forked it)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def vocabulary(rng: random.Random, n: int = 4000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    return sorted(words)


def lane_hosts(lane: int) -> tuple[str, ...]:
    """The hosts of a build lane: lane 0's are ``HOSTS``; crawl sessions run at once (``--jobs``)
    each crawl a lane of their own, so they never share a site."""
    return HOSTS if not lane else tuple(f"l{lane}-{h}" for h in HOSTS)


class Pages:
    """Article pages: templates extracted once by the real extractor, then varied."""

    def __init__(self, seed: int = 7):
        self.vocab = vocabulary(random.Random(seed))
        self.templates = {}
        for host in HOSTS:
            self._template(host)

    def _template(self, host: str) -> dict:
        if host not in self.templates:
            from archive.extract import extract
            html, _, _ = self._html(host, 0, random.Random(0))
            article = extract(html.encode(), f"http://{host}/news/story-0")
            if article is None:
                raise SystemExit(f"the template page of {host} is not extracted as an article")
            self.templates[host] = article.to_dict()
        return self.templates[host]

    def _html(self, host: str, n: int, rng: random.Random):
        site = host.split(".")[0].replace("-", " ").title()
        title = " ".join(rng.choice(self.vocab) for _ in range(6)).capitalize()
        paragraphs = []
        for p in range(8):
            words = [rng.choice(self.vocab) for _ in range(rng.randint(60, 90))]
            if n % 500 == 1 and p == 3:
                words[5] = SEARCH_WORD
            paragraphs.append(" ".join(words).capitalize() + ".")
        day = 1 + n % 28
        month = 1 + (n // 28) % 12
        published = f"2025-{month:02d}-{day:02d}"
        url = f"http://{host}/news/{n}-{title.split()[0].lower()}"
        html = TEMPLATE.format(title=title, site=site, host=host, url=url, published=published,
                               paragraphs="\n".join(f"<p>{p}</p>" for p in paragraphs))
        return html, (title, published, url), paragraphs

    def page(self, n: int, lane: int = 0) -> tuple[bytes, dict]:
        hosts = lane_hosts(lane)
        host = hosts[n % len(hosts)]
        html, (title, published, url), paragraphs = self._html(host, n, random.Random(n * 7919 + 1))
        article = dict(self._template(host), title=title, published=published, canonical_url=url,
                       text="\n".join(paragraphs), blocks=None)
        article.pop("blocks", None)
        return html.encode(), {"url": url, "article": article, "fetched_at": "2026-01-05T10:00:00Z",
                               "status": 200, "content_type": "text/html; charset=utf-8"}


# -- child processes ------------------------------------------------------------------------
def child_session(uri: str, first: int, count: int, flush_every: int, lane: int = 0) -> dict:
    """One crawl session filing ``count`` new articles (of build lane ``lane``); its figures."""
    from archive.archive import Archive
    from archive.session import CrawlSession

    pages = Pages()
    archive = Archive.open(uri, create=True)
    counting = _count_writes(archive.store)
    base = rss_mb()
    t0 = time.perf_counter()
    spool = tempfile.mkdtemp(prefix="scale-spool-")
    session = CrawlSession(archive, spider="scale", warmup_pages=40, spool_dir=spool,
                           index_flush_every=flush_every)
    start_s = time.perf_counter() - t0
    start_rss = rss_mb()
    batches = []

    def on_flush_done(before):
        after = dict(counting)
        batches.append({k: after.get(k, 0) - before.get(k, 0) for k in after})

    flush = session.flush

    def measured_flush():
        before = dict(counting)
        flush()
        on_flush_done(before)

    session.flush = measured_flush
    t1 = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    for n in range(first, first + count):
        body, page = pages.page(n, lane) if lane else pages.page(n)
        snap = session.store_snapshot(body, url=page["url"], fetched_at=page["fetched_at"],
                                      response_headers=[("Content-Type", page["content_type"])])
        page.update(body_sha256=snap.sha256, body_size=snap.size, blob=snap.blob)
        if snap.warc is not None:   # as crawler/middlewares.py hands it on
            page["warc"] = {"file": snap.warc.file, "offset": snap.warc.offset, "length": snap.warc.length}
        session.ingest(page)
    report = session.finish()
    ingest_s = time.perf_counter() - t1
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = usage.ru_utime + usage.ru_stime - cpu0
    shutil.rmtree(spool, ignore_errors=True)
    full = [b for b in batches[:-1]] or batches   # the last flush (at finish) may be partial
    return {"base_rss_mb": base, "start_s": round(start_s, 3), "start_rss_mb": start_rss,
            "session_peak_rss_mb": rss_mb(), "ingest_s": round(ingest_s, 1),
            "cpu_ms_per_doc": round(cpu_s * 1000 / max(count, 1), 2),
            "new": report["counts"].get("archive/decision/new", 0),
            "batch": full[-1] if full else {}, "batches": len(batches),
            # the largest batch of the session: one that merged index segments (size tiers) writes most
            "batch_max_bytes": max((b.get("index_bytes", 0) for b in batches), default=0),
            "batch_max_objects": max((b.get("index_objects", 0) for b in batches), default=0)}


def _count_writes(store) -> dict:
    """Instrument the store's writes: bytes and objects by kind (index / docs / blobs / other)."""
    counts: dict = {}

    def kind(key):
        top = key.split("/", 1)[0]
        return top if top in ("index", "docs", "blobs") else "other"

    for name in ("put", "put_if_absent", "put_if_match"):
        method = getattr(store, name)

        def wrapped(key, data, *args, _method=method, **kw):
            k = kind(key)
            counts[k + "_objects"] = counts.get(k + "_objects", 0) + 1
            counts[k + "_bytes"] = counts.get(k + "_bytes", 0) + len(data)
            return _method(key, data, *args, **kw)

        setattr(store, name, wrapped)
    return counts


def child_cli(uri: str, catalog: str, args: list[str], repeat: int) -> dict:
    """Run an `archive` command in this process ``repeat`` times; the best time."""
    t0 = time.perf_counter()
    from archive.cli import main
    import_ms = (time.perf_counter() - t0) * 1000
    times = []
    code = None
    devnull = open(os.devnull, "w")
    for _ in range(repeat):
        stdout = sys.stdout
        sys.stdout = devnull
        try:
            t = time.perf_counter()
            code = main(["--archive", uri, "--catalog", catalog, *args])
            times.append((time.perf_counter() - t) * 1000)
        finally:
            sys.stdout = stdout
    return {"code": code, "first_ms": round(times[0], 1), "best_ms": round(min(times), 1),
            "import_ms": round(import_ms, 1), "peak_rss_mb": rss_mb()}


def child_catalog(uri: str, catalog: str) -> dict:
    from archive.archive import Archive
    from archive.catalog import Catalog

    archive = Archive.open(uri)
    cat = Catalog(archive, catalog)
    t = time.perf_counter()
    synced = cat.sync(reports=True)
    sync_s = time.perf_counter() - t
    t = time.perf_counter()
    indexed = cat.sync_texts()
    return {"documents": cat.count(), "catalog_sync_s": round(sync_s, 2), "segments_read": synced["segments_read"],
            "search_index_s": round(time.perf_counter() - t, 2), "texts_indexed": indexed,
            "peak_rss_mb": rss_mb()}


CODE = {"script": __file__, "cache": None}   # which code tree the children run, and their catalogue cache


def child_warm(uri: str) -> dict:
    """Bring the crawl sessions' catalogue up to date before a measured session on a reused
    archive: the segments, block-table deltas and WARC originals written since (and, once, what
    an older code tree's catalogue lacks), as any earlier crawl or command on the machine does."""
    from archive.archive import Archive
    archive = Archive.open(uri)
    t = time.perf_counter()
    catalog = archive.catalog()
    done = {"segments_read": catalog.synced["segments_read"]}
    for name in ("sync_blocks", "sync_originals"):   # this tree's; an older one has neither
        if hasattr(catalog, name):
            done[name] = getattr(catalog, name)()
    return {**done, "warm_s": round(time.perf_counter() - t, 1), "peak_rss_mb": rss_mb()}


# A child runs a code tree's scale.py as __main__; with --no-fsync (building sessions only) the
# local store's per-file fsync is skipped first, which changes what a power cut could lose, not
# what a session reads, holds in memory or writes.
_LAUNCH = ("import os, runpy, sys\n"
           "if os.environ.get('SCALE_NO_FSYNC'): os.fsync = lambda fd: None\n"
           "sys.argv = sys.argv[1:]\n"
           "runpy.run_path(sys.argv[0], run_name='__main__')\n")


def run_child(*args, code: dict | None = None, fsync: bool = True) -> dict:
    """Run a child (``args``: its kind and arguments) in a fresh process of a code tree; its JSON
    result, with ``child_cpu_s``: the CPU time of that process alone (``wait4``: exact even
    while other children run at once)."""
    code = code or CODE
    env = dict(os.environ)
    if code["cache"]:   # the crawl sessions' catalogue (XDG cache), one per code tree and archive
        env["XDG_CACHE_HOME"] = code["cache"]
    env.pop("SCALE_NO_FSYNC", None)
    if not fsync:
        env["SCALE_NO_FSYNC"] = "1"
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, code["script"], "--child", json.dumps(list(args))],
                                stdout=out, stderr=err, text=True,
                                cwd=Path(code["script"]).resolve().parent.parent, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["child_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    return result


def build_round(uri: str, built: int, size: int, session: int, jobs: int, fsync: bool) -> tuple[int, list[dict]]:
    """Up to ``jobs`` crawl sessions at once, each of ``session`` new articles of its own lane
    (disjoint hosts), as crawls of different sites sharing one archive. The new size, and the
    sessions' results (with their ``lane``, ``first``, ``count``)."""
    plan = []
    for lane in range(jobs):
        n = min(session, size - built)
        if n <= 0:
            break
        plan.append((built, n, lane))
        built += n
    if len(plan) == 1:
        first, n, lane = plan[0]
        results = [run_child("session", uri, first, n, 200, fsync=fsync)]
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(len(plan)) as pool:
            results = list(pool.map(lambda p: run_child("session", uri, p[0], p[1], 200, p[2], fsync=fsync), plan))
    for (first, n, lane), result in zip(plan, results):
        result.update(lane=lane, first=first, count=n)
    return built, results


def cli_start_ms(code: dict | None = None) -> float:
    code = code or CODE
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import archive.cli"], cwd=Path(code["script"]).resolve().parent.parent,
                   check=True)
    return round((time.perf_counter() - t) * 1000, 1)


# -- driver ---------------------------------------------------------------------------------
def measure(uri: str, workdir: Path, docs: int, last_session: dict, pages: Pages, code: dict | None = None) -> dict:
    code = code or CODE
    catalog = str(workdir / ("catalog-" + "".join(c if c.isalnum() else "-" for c in code["label"]) + ".sqlite"))
    cat = run_child("catalog", uri, catalog, code=code)
    probe = run_child("session", uri, docs, 200, 200, code=code)   # 200 new articles: one full batch at finish
    batch = probe["batch"]
    _, page = pages.page(docs - 3, last_session.get("lane", 0))   # an article of the last session
    alias = page["url"] + "?utm_source=newsletter"
    show = run_child("cli", uri, catalog, ["show", page["url"].replace("/news/", "/index.php/news/", 1)], 5, code=code)
    show_alias = run_child("cli", uri, catalog, ["show", alias], 3, code=code)
    listing = run_child("cli", uri, catalog, ["list", "--limit", "20"], 5, code=code)
    search = run_child("cli", uri, catalog, ["list", "--search", SEARCH_WORD, "--limit", "20"], 5, code=code)
    row = {
        "docs": cat["documents"],
        "code": code["label"],
        "start_s": probe["start_s"],
        "start_rss_mb": probe["start_rss_mb"],
        "base_rss_mb": probe["base_rss_mb"],
        "batch_bytes": batch.get("index_bytes", 0),
        "batch_objects": batch.get("index_objects", 0),
        "batch_doc_bytes": batch.get("docs_bytes", 0),
        # the most any batch of the last session or the probe wrote (size-tier merges included)
        "batch_max_bytes": max(probe.get("batch_max_bytes", 0), last_session.get("batch_max_bytes", 0)),
        "batch_max_objects": max(probe.get("batch_max_objects", 0), last_session.get("batch_max_objects", 0)),
        "session_peak_rss_mb": last_session["session_peak_rss_mb"],
        "session_docs": last_session.get("new"),
        "session_ingest_s": last_session["ingest_s"],
        "session_docs_per_s": round((last_session.get("new") or 0) / max(last_session["ingest_s"], 1e-9), 1),
        "session_cpu_ms_doc": round(last_session["child_cpu_s"] * 1000 / max(last_session.get("new") or 1, 1), 2),
        "show_url_ms": show["best_ms"],
        "show_alias_code": show_alias["code"],
        "list_ms": listing["best_ms"],
        "search_ms": search["best_ms"],
        "catalog_sync_s": cat["catalog_sync_s"],
        "search_index_s": cat["search_index_s"],
    }
    # verify visits every document (about an hour at a million): what was measured before it is
    # printed first, so a run stopped during verify still leaves its figures in the log.
    print(f"{code['label']}: at {cat['documents']:,} documents before verify: {json.dumps(row)}",
          file=sys.stderr, flush=True)
    verify = run_child("cli", uri, catalog, ["verify", "-q"], 1, code=code)
    if verify["code"] != 0:
        print(f"warning: verify found problems at {docs} documents ({code['label']})", file=sys.stderr)
    return {**row, "verify_peak_rss_mb": verify["peak_rss_mb"], "verify_s": round(verify["first_ms"] / 1000, 1),
            "verify_ok": verify["code"] == 0, "cli_start_ms": cli_start_ms(code)}


TARGETS = {"start_s": "<= 5 s at 1M", "start_rss_mb": "<= 300 MB at 1M", "batch_bytes": "<= 2 MB",
           "batch_objects": "<= 10", "batch_max_bytes": "<= 2 MB", "batch_max_objects": "<= 10", "session_peak_rss_mb": "same +-20%", "show_url_ms": "<= 100 ms at 1M",
           "list_ms": "<= 200 ms at 1M", "search_ms": "<= 300 ms at 1M", "verify_peak_rss_mb": "flat"}


def print_table(rows: list[dict]) -> None:
    keys = ["start_s", "start_rss_mb", "base_rss_mb", "batch_bytes", "batch_objects", "batch_max_bytes",
            "batch_max_objects", "batch_doc_bytes",
            "session_peak_rss_mb", "session_docs", "session_ingest_s", "session_docs_per_s",
            "session_cpu_ms_doc", "show_url_ms", "list_ms", "search_ms",
            "verify_peak_rss_mb", "verify_s", "catalog_sync_s", "search_index_s", "cli_start_ms"]
    width = max([14] + [len(str(r.get("code", ""))) + 2 for r in rows])
    print(f"{'docs':22}" + "".join(f"{r['docs']:>{width},}" for r in rows) + "   target")
    if any(r.get("code") for r in rows):
        print(f"{'code':22}" + "".join(f"{r.get('code', '')!s:>{width}}" for r in rows))
    for k in keys:
        print(f"{k:22}" + "".join(f"{r.get(k)!s:>{width}}" for r in rows) + f"   {TARGETS.get(k, '')}")


def baseline_tree(ref: str, workdir: Path) -> dict:
    """The repository at ``ref`` (``git archive``), to measure it next to this tree in one run."""
    rev = subprocess.run(["git", "rev-parse", "--short", ref], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.strip()
    dest = workdir / f"baseline-{rev}"
    if not (dest / "benchmarks" / "scale.py").is_file():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", ref], cwd=REPO, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return {"script": str(dest / "benchmarks" / "scale.py"), "cache": str(workdir / f"cache-{rev}"),
            "label": f"{ref}@{rev}"}


def highest_built(uri: str) -> tuple[int, int]:
    """(next article number, documents) of an archive this benchmark built (read from its listing)."""
    from archive.archive import Archive
    listing = Archive.open(uri).load_listing()
    # Continue after the highest article number filed (a killed session may have lost a few).
    top = max((int(e["url"].split("/news/", 1)[1].split("-", 1)[0]) for e in listing.values()), default=-1)
    return top + 1, len(listing)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated archive sizes")
    parser.add_argument("--session", type=int, default=10000, help="new articles per crawl session")
    parser.add_argument("--json", action="store_true", help="one JSON object per size, per line")
    parser.add_argument("--dir", help="where to build (default: a temporary folder, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep the archive built")
    parser.add_argument("--resume", action="store_true", help="continue the archive already in --dir "
                                                              "(sizes it has passed are skipped)")
    parser.add_argument("--reuse", metavar="DIR", help="continue the archive in DIR and keep it; a size it has "
                        "passed is measured at its current size, after one crawl session of --session articles")
    parser.add_argument("--baseline", metavar="REF", help="also measure the code at this git ref (e.g. main) "
                        "on the same archive, in the same run: one crawl session of --session articles, then "
                        "the same probes; its columns come first")
    parser.add_argument("--no-fsync", action="store_true", help="building sessions skip the local store's "
                        "per-file fsync (a third of a build's time); the measured probes keep it")
    parser.add_argument("--jobs", type=int, default=1, help="building crawl sessions run at once, each on "
                        "hosts of its own (the measured sessions and probes run alone)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = json.loads(args.child)
        result = {"session": child_session, "cli": child_cli, "catalog": child_catalog, "warm": child_warm}[kind](*rest)
        print(json.dumps(result))
        return 0
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    if args.reuse:
        args.dir, args.resume, args.keep = args.reuse, True, True
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="scale-")).absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    uri = str(workdir / "archive")
    CODE.update(cache=str(workdir / "cache"), label="this tree")
    codes = ([baseline_tree(args.baseline, workdir)] if args.baseline else []) + [CODE]
    pages = Pages()
    built, rows, last = 0, [], None
    if args.resume and Path(uri).is_dir():
        built, n_docs = highest_built(uri)
        print(f"resuming after article {built - 1:,} ({n_docs:,} documents)", file=sys.stderr, flush=True)
    fsync = not args.no_fsync
    try:
        for size in sizes:
            if size <= built and not args.reuse:
                continue
            last = None
            while built < size:
                t = time.perf_counter()
                start = built
                built, results = build_round(uri, built, size, args.session, args.jobs, fsync)
                wall = time.perf_counter() - t
                last = results[-1]
                cpu = sum(r["child_cpu_s"] for r in results)
                print(f"built {built:,} documents ({built - start:,} in {wall:.0f} s by {len(results)} "
                      f"session(s) at once: {(built - start) / wall:.1f} docs/s, "
                      f"{cpu * 1000 / (built - start):.1f} CPU ms/doc; peak "
                      f"{max(r['session_peak_rss_mb'] for r in results)} MB)", file=sys.stderr, flush=True)
            for code in codes:
                if code is not CODE or last is None:   # a crawl session of this code, for its peak RSS
                    if args.reuse and code is CODE:
                        warm = run_child("warm", uri, code=code)
                        print(f"{code['label']}: catalogue brought up to date first: {json.dumps(warm)}",
                              file=sys.stderr, flush=True)
                    t = time.perf_counter()
                    session = run_child("session", uri, built, args.session, 200, code=code, fsync=fsync)
                    built += args.session
                    print(f"{code['label']}: a session of {args.session:,} at {built:,} documents "
                          f"({time.perf_counter() - t:.0f} s, peak {session['session_peak_rss_mb']} MB)",
                          file=sys.stderr, flush=True)
                else:
                    session = last
                row = measure(uri, workdir, built, session, pages, code)
                built += 200   # the probe session's articles
                rows.append(row)
                if args.json:
                    print(json.dumps(row), flush=True)
                else:
                    print(f"measured at {size:,}: {json.dumps(row)}", file=sys.stderr, flush=True)
        if not args.json:
            print_table(rows)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
