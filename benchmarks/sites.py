#!/usr/bin/env python
"""Crawl generated news sites of several CMS template families with the product and with a baseline.

    .venv/bin/python benchmarks/sites.py [--families drupal,wordpress] [--concurrency 1,16] [--json]

For each family (``benchmarks/sitegen/families``) a site is served on 127.0.0.1 (free port) and
crawled twice with ``scrapy crawl news`` into a temporary archive: round 0, then the recrawl round
(one article edited by one sentence, one whose teasers changed, one new, one deleted). The archive
is read back with ``archive export`` and scored against the generator's ground truth
(``benchmarks/sitegen/score.py``): documents against articles, stray documents (no article in
them; listing pages filed), merged documents (two articles in one), duplicates (one article in two
or more documents), teaser / boilerplate / comment strings found in document texts, recall of each
article's own paragraphs, and after the recrawl the spurious versions, whether the edited article
got exactly one new version, the deleted one was kept, the new one filed.

Baseline, same run: every page the product crawl fetched in a round is fetched again and given to
plain ``trafilatura.extract`` (defaults); pages with the same text are one document (exact-text
dedup), a known URL with another text is a new version. With several concurrencies the exports
are compared on url, aliases, text and number of versions.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.sitegen import FAMILIES, HELD_OUT, SiteServer, build_site, serve  # noqa: E402
from benchmarks.sitegen.score import score  # noqa: E402
from tests.crawling import TEST_SETTINGS  # noqa: E402

ROWS = [("articles", "articles"), ("documents", "documents"), ("stray", "stray documents"),
        ("listings_filed", "  of them listing pages"), ("merged", "merged documents"),
        ("duplicates", "duplicated articles"), ("missing", "articles not filed"),
        ("teaser_leaks", "teaser leaks"), ("boilerplate_leaks", "boilerplate leaks"),
        ("comment_leaks", "comment leaks"), ("recall", "recall of own paragraphs"),
        ("spurious_versions", "spurious versions, 1st crawl")]
RECRAWL_ROWS = [("spurious_versions", "spurious versions, after recrawl"), ("teaser_leaks", "teaser leaks, after recrawl"),
                ("edited_one_new_version", "edited: exactly 1 new version"), ("deleted_kept", "deleted: kept"),
                ("new_filed", "new: filed")]


# -- product -------------------------------------------------------------------------------------
def scrapy_crawl(start_url: str, archive_uri: str, spool: str, concurrency: int, timeout: int = 600) -> str:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={start_url}"]
    settings = {**TEST_SETTINGS, "ARCHIVE_URI": archive_uri, "ARCHIVE_SPOOL_DIR": spool, "LOG_LEVEL": "WARNING",
                "CONCURRENT_REQUESTS": str(concurrency), "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency)}
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.run(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"scrapy crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stderr


def export(archive_uri: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "archive.cli", "--archive", archive_uri, "export"], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"archive export failed: {proc.stderr[-2000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


# -- baseline ------------------------------------------------------------------------------------
class Baseline:
    """Plain trafilatura.extract on every fetched page, exact-text dedup, a version per new text."""

    def __init__(self):
        import trafilatura
        self.extract = trafilatura.extract
        self.docs: list[dict] = []
        self.by_url: dict[str, dict] = {}
        self.by_text: dict[str, dict] = {}

    def crawl_round(self, base_url: str, paths: list[str]) -> None:
        for path in sorted(set(paths)):
            try:
                with urllib.request.urlopen(base_url + path, timeout=30) as resp:
                    final, ctype, body = resp.geturl(), resp.headers.get("Content-Type", ""), resp.read()
            except urllib.error.HTTPError:
                continue
            if "html" not in ctype:
                continue
            text = self.extract(body.decode("utf-8", "replace"), url=final)
            if not text:
                continue
            digest = hashlib.sha256(text.encode()).hexdigest()
            urls = list(dict.fromkeys([base_url + path, final]))
            doc = next((self.by_url[u] for u in urls if u in self.by_url), None)
            if doc is None:
                doc = self.by_text.get(digest)
            if doc is None:
                doc = {"url": final, "aliases": [], "text": text, "versions": [{"text_sha256": digest}]}
                self.docs.append(doc)
            elif doc["versions"][-1]["text_sha256"] != digest:
                if urls[0] in self.by_url or final in self.by_url:
                    doc["versions"].append({"text_sha256": digest})
                    doc["text"] = text
            for u in urls:
                if u != doc["url"] and u not in doc["aliases"]:
                    doc["aliases"].append(u)
                self.by_url[u] = doc
            self.by_text[digest] = doc


# -- one family ----------------------------------------------------------------------------------
def _fetched(requests: list[tuple[str, str, int]]) -> list[str]:
    return [path for method, path, status in requests if method == "GET"]


def score_archive(family: str, archive_uri: str, round: int = 1, seed: int = 0) -> dict:
    """Score an archive a crawl of ``family``'s site built, against round ``round``'s ground truth."""
    return score(build_site(family, round, seed).truth(), export(archive_uri))


def score_family(family: str, archive_uri: str, *, concurrency: int = 1, recrawl: bool = True, seed: int = 0,
                 baseline: bool = False, server: SiteServer | None = None) -> dict:
    """Serve ``family``'s site, crawl it into ``archive_uri`` (then recrawl it), score each round.

    Returns ``{"first": scores, "recrawl": scores or None, "fetched": [paths fetched, per round],
    "export": documents after the last round, "baseline": {"first", "recrawl"} or None}``; scores
    are :func:`benchmarks.sitegen.score.score`'s, plus the round's crawl ``seconds`` and ``requests``.
    ``server``: a running :class:`SiteServer` to reuse (its site is replaced round by round).
    """
    own = server is None
    if own:
        server = SiteServer(build_site(family, 0, seed)).start()
    out = {"family": family, "concurrency": concurrency, "first": None, "recrawl": None, "fetched": [],
           "export": [], "baseline": None}
    base = Baseline() if baseline else None
    spool = tempfile.mkdtemp(prefix=f"sites-spool-{family}-")
    try:
        for r, name in ((0, "first"), (1, "recrawl"))[: 2 if recrawl else 1]:
            server.site = build_site(family, r, seed)
            truth = server.site.truth()
            server.take_requests()
            started = time.monotonic()
            scrapy_crawl(server.base_url + "/", archive_uri, spool, concurrency)
            seconds = round(time.monotonic() - started, 1)
            fetched = _fetched(server.take_requests())
            out["fetched"].append(fetched)
            out["export"] = export(archive_uri)
            out[name] = {**score(truth, out["export"]), "seconds": seconds, "requests": len(fetched)}
            if base is not None:
                base.crawl_round(server.base_url, fetched)
                out["baseline"] = {**(out["baseline"] or {}), name: score(truth, base.docs)}
    finally:
        shutil.rmtree(spool, ignore_errors=True)
        if own:
            server.stop()
    return out


def export_signature(docs: list[dict]) -> dict:
    return {d["url"]: (sorted(d.get("aliases") or []), d.get("text", ""), len(d.get("versions") or []))
            for d in docs}


def compare_exports(a: list[dict], b: list[dict]) -> int:
    """Number of documents that differ in url, aliases, text or number of versions."""
    sa, sb = export_signature(a), export_signature(b)
    return sum(1 for url in set(sa) | set(sb) if sa.get(url) != sb.get(url))


def run_family(family: str, concurrencies: list[int], workdir: str, seed: int = 0) -> dict:
    results = {"family": family, "product": {}, "baseline": None}
    site = build_site(family, 0, seed)
    with serve(site) as server:
        for n, c in enumerate(concurrencies):
            archive = os.path.join(workdir, f"{family}-c{c}")
            res = score_family(family, archive, concurrency=c, seed=seed, baseline=(n == 0), server=server)
            if n == 0:
                results["baseline"] = res.pop("baseline")
            results["product"][c] = res
    exports = [results["product"][c]["export"] for c in concurrencies]
    results["export_differences"] = (compare_exports(exports[0], exports[-1]) if len(exports) > 1 else None)
    return results


# -- output --------------------------------------------------------------------------------------
def _fmt(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.3f}"
    return "-" if v is None else str(v)


def print_table(res: dict, concurrencies: list[int]) -> None:
    cols = [(f"product c={c}", res["product"][c]) for c in concurrencies] + [("trafilatura+exact", res["baseline"])]
    width = 32
    print(f"\n== {res['family']} " + "=" * 60)
    print(f"{'':{width}}" + "".join(f"{name:>20}" for name, _ in cols))
    for key, label in ROWS:
        vals = [(r["first"] if "first" in r else r)[key] for _, r in cols]
        print(f"{label:{width}}" + "".join(f"{_fmt(v):>20}" for v in vals))
    for key, label in RECRAWL_ROWS:
        vals = [(r.get("recrawl") or {}).get(key) for _, r in cols]
        print(f"{label:{width}}" + "".join(f"{_fmt(v):>20}" for v in vals))
    for label, key in (("crawl seconds (1st+recrawl)", "seconds"), ("requests (1st+recrawl)", "requests")):
        vals = [f"{r['first'][key]}+{r['recrawl'][key]}" for _, r in cols[:-1]]
        print(f"{label:{width}}" + "".join(f"{v:>20}" for v in vals))
    if res["export_differences"] is not None:
        print(f"exports at c={concurrencies[0]} and c={concurrencies[-1]}: "
              + ("identical" if res["export_differences"] == 0 else f"{res['export_differences']} documents differ"))
    ex = res["product"][concurrencies[0]]["first"]["leak_examples"]
    for e in ex:
        print(f"  e.g. {e['kind']} leak in {e['url']}: {e['text']!r}")


SUM_KEYS = ["articles", "documents", "stray", "listings_filed", "merged", "duplicates", "missing", "teaser_leaks",
            "boilerplate_leaks", "comment_leaks", "spurious_versions"]


def print_totals(all_res: list[dict], concurrencies: list[int]) -> None:
    c = concurrencies[0]
    print("\n== totals " + "=" * 60)
    print(f"{'':32}{'product c=' + str(c):>20}{'trafilatura+exact':>20}")
    for key in SUM_KEYS:
        p = sum(r["product"][c]["first"][key] for r in all_res)
        b = sum(r["baseline"]["first"][key] for r in all_res)
        print(f"{key:32}{p:>20}{b:>20}")
    p = sum(r["product"][c]["first"]["recall"] for r in all_res) / len(all_res)
    b = sum(r["baseline"]["first"]["recall"] for r in all_res) / len(all_res)
    print(f"{'recall (mean of families)':32}{p:>20.3f}{b:>20.3f}")
    p = sum(r["product"][c]["recrawl"]["spurious_versions"] for r in all_res)
    b = sum(r["baseline"]["recrawl"]["spurious_versions"] for r in all_res)
    print(f"{'spurious versions, after recrawl':32}{p:>20}{b:>20}")
    diffs = [r["export_differences"] for r in all_res if r["export_differences"] is not None]
    if diffs:
        print(f"families whose exports differ between c={concurrencies[0]} and c={concurrencies[-1]}: "
              f"{sum(1 for d in diffs if d)} of {len(diffs)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--families", default=",".join(FAMILIES),
                    help=f"comma-separated, of: {', '.join(FAMILIES)} (default: all of them); held out of the "
                         f"default set: {', '.join(HELD_OUT)}")
    ap.add_argument("--concurrency", default="1,16", help="comma-separated CONCURRENT_REQUESTS values (default 1,16)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    ap.add_argument("--keep", help="keep the archives in this folder instead of a temporary one")
    args = ap.parse_args(argv)
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILIES and f not in HELD_OUT]
    if unknown:
        ap.error(f"unknown families: {', '.join(unknown)} (known: {', '.join([*FAMILIES, *HELD_OUT])})")
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    all_res = []
    with tempfile.TemporaryDirectory(prefix="sites-bench-") as tmp:
        workdir = args.keep or tmp
        os.makedirs(workdir, exist_ok=True)
        for fam in families:
            res = run_family(fam, concurrencies, workdir, args.seed)
            for r in res["product"].values():
                r.pop("export", None)
                r.pop("fetched", None)
            all_res.append(res)
            if not args.json:
                print_table(res, concurrencies)
                sys.stdout.flush()
    if args.json:
        print(json.dumps(all_res, indent=1, default=str))
    else:
        print_totals(all_res, concurrencies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
