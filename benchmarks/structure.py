#!/usr/bin/env python
"""Structure pruning (archive.structure) measured: extraction with and without it, in one run.

Sets (both under ``<repo>/../shared/data`` unless ``--data-dir``):
- trafilatura-eval-dev: snippets that must be kept ("with") and left out ("without"); counts
  pooled over pages, precision TP/(TP+FP), recall TP/(TP+FN) (metric of its README);
- article-extraction-benchmark (AEB): word 4-gram shingles, precision and recall averaged over
  pages, F1 of the two averages (metric of benchmarks/extraction.py).
Plus page typing: eval-dev pages (mostly articles) and generated listing pages in several
layouts, counting what ``archive.pages.skip_reason`` files.

Timing: wall clock and CPU per page of ``extract`` with and without the structure pass,
interleaved page by page, and of the structure pass alone on an already parsed tree (the cost
it adds; target <= 25% of extraction time).

    .venv/bin/python benchmarks/structure.py [--limit N] [--set eval|aeb|pages|all] [--show N]
"""
from __future__ import annotations

import argparse
import gc
import gzip
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import trafilatura  # noqa: E402

from archive.extract import DEFAULT_SETTINGS, _parse, extract  # noqa: E402
from archive.pages import skip_reason  # noqa: E402
from archive.structure import analyse  # noqa: E402
from benchmarks.extraction import load_aeb as load_pages, page_scores  # noqa: E402

DATA = REPO_ROOT.parent / "shared" / "data"
OFF = replace(DEFAULT_SETTINGS, structure=False)
_WS = re.compile(r"\s+")


def load_eval(path: Path, limit: int | None):
    data = json.loads(gzip.open(path / "evaldata.json.gz").read())
    pages = []
    for url in sorted(data):
        item = data[url]
        with gzip.open(path / "html" / f"{item['key']}.html.gz", "rb") as fh:
            html = fh.read()
        real = url.split("::", 1)[-1]
        real = real if real.startswith("http") else f"https://{item['key']}/"
        pages.append((real, html, item["with"], item["without"]))
        if limit and len(pages) >= limit:
            break
    return pages


def timed(fn, *args, **kw):
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return out, time.perf_counter() - start, time.process_time() - cpu


def run_eval(pages, show: int):
    methods = {"archive.extract (structure on)": DEFAULT_SETTINGS, "archive.extract (structure off)": OFF}
    counts = {m: [0, 0, 0, 0] for m in methods}  # tp fn fp tn
    counts["trafilatura.extract(include_comments=False)"] = [0, 0, 0, 0]
    wall = dict.fromkeys(counts, 0.0)
    cpu = dict.fromkeys(counts, 0.0)
    changes = []
    for i, (url, html, with_, without) in enumerate(pages):
        texts = {}
        extract(html, url, settings=OFF)   # warm per-document caches (charset, dates) untimed
        order = list(methods.items()) if i % 2 == 0 else list(methods.items())[::-1]
        for name, settings in order:
            art, w, c = timed(extract, html, url, settings=settings)
            wall[name] += w
            cpu[name] += c
            texts[name] = _WS.sub(" ", art.text) if art else ""
        out, w, c = timed(trafilatura.extract, html, url=url, include_comments=False)
        name = "trafilatura.extract(include_comments=False)"
        wall[name] += w
        cpu[name] += c
        texts[name] = _WS.sub(" ", out or "")
        for name, text in texts.items():
            tally = counts[name]
            for s in with_:
                tally[0 if _WS.sub(" ", s).strip() in text else 1] += 1
            for s in without:
                tally[2 if _WS.sub(" ", s).strip() in text else 3] += 1
        on, off = texts["archive.extract (structure on)"], texts["archive.extract (structure off)"]
        lost = [s for s in with_ if _WS.sub(" ", s).strip() in off and _WS.sub(" ", s).strip() not in on]
        cut = [s for s in without if _WS.sub(" ", s).strip() in off and _WS.sub(" ", s).strip() not in on]
        if lost or cut:
            changes.append((url, lost, cut))
    n = len(pages)
    print(f"\ntrafilatura-eval-dev: {n} pages, snippets pooled (TP = 'with' kept, FP = 'without' kept)\n")
    print(f"{'method':<46} {'TP':>5} {'FN':>5} {'FP':>5} {'TN':>5} {'prec':>6} {'rec':>6} {'F1':>6} {'ms':>6} {'cpu':>6}")
    for name, (tp, fn, fp, tn) in counts.items():
        p = tp / (tp + fp) if tp + fp else 0
        r = tp / (tp + fn) if tp + fn else 0
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0
        print(f"{name:<46} {tp:>5} {fn:>5} {fp:>5} {tn:>5} {p:>6.3f} {r:>6.3f} {f:>6.3f} "
              f"{1000 * wall[name] / n:>6.1f} {1000 * cpu[name] / n:>6.1f}")
    lost = sum(len(x[1]) for x in changes)
    cut = sum(len(x[2]) for x in changes)
    print(f"structure pass: {cut} 'without' snippets cut, {lost} 'with' snippets lost, on {len(changes)} pages")
    for url, lost_, cut_ in changes[:show]:
        print(f"  {url}")
        for s in lost_:
            print(f"    LOST {s[:110]!r}")
        for s in cut_:
            print(f"    cut  {s[:110]!r}")
    return counts


def run_aeb(path: Path, limit: int | None):
    pages = load_pages(path, limit)
    scores = {"archive.extract (structure on)": [], "archive.extract (structure off)": []}
    wall = dict.fromkeys(scores, 0.0)
    cpu = dict.fromkeys(scores, 0.0)
    for i, page in enumerate(pages):
        extract(page.html, page.url, settings=OFF)   # warm per-document caches untimed
        pairs = list(zip(scores, (DEFAULT_SETTINGS, OFF)))
        for name, settings in (pairs if i % 2 == 0 else pairs[::-1]):
            art, w, c = timed(extract, page.html, page.url, settings=settings)
            wall[name] += w
            cpu[name] += c
            scores[name].append(page_scores(art.text if art else "", page.truth))
    n = len(pages)
    print(f"\nAEB: {n} pages, shingle precision/recall averaged over pages\n")
    print(f"{'method':<46} {'prec':>7} {'rec':>7} {'F1':>7} {'ms':>6} {'cpu':>6}")
    for name, per in scores.items():
        p = sum(x for x, _ in per) / n
        r = sum(y for _, y in per) / n
        f = 2 * p * r / (p + r) if p + r else 0
        print(f"{name:<46} {p:>7.4f} {r:>7.4f} {f:>7.4f} {1000 * wall[name] / n:>6.1f} {1000 * cpu[name] / n:>6.1f}")
    return pages


def run_cost(htmls: list[tuple[str, bytes]]):
    """The structure pass alone, on trees parsed once, against extraction without it."""
    gc.collect()
    t_struct = c_struct = t_extract = c_extract = 0.0
    for url, html in htmls:
        extract(html, url, settings=OFF)   # warm per-document caches untimed
        tree = _parse(html, None)
        if tree is None:
            continue
        _, w, c = timed(analyse, tree, url)
        t_struct += w
        c_struct += c
        _, w, c = timed(extract, html, url, settings=OFF)
        t_extract += w
        c_extract += c
    n = len(htmls)
    print(f"\ncost on {n} pages: structure pass {1000 * t_struct / n:.2f} ms/page (cpu {1000 * c_struct / n:.2f}), "
          f"extraction without it {1000 * t_extract / n:.2f} ms/page (cpu {1000 * c_extract / n:.2f}): "
          f"+{100 * c_struct / c_extract:.1f}% cpu (target <= 25%)")


def run_pages(eval_pages, aeb_pages):
    """Page typing: real article pages should be filed, generated listings never."""
    from tests.listings import generate

    filed = skipped = 0
    reasons: dict[str, int] = {}
    for url, html, *_ in eval_pages:
        reason = skip_reason(url, extract(html, url))
        reasons[reason or "filed"] = reasons.get(reason or "filed", 0) + 1
    print(f"\npage typing, {len(eval_pages)} eval-dev pages (mostly articles): " +
          ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])))
    reasons = {}
    for page in aeb_pages:
        reason = skip_reason(page.url, extract(page.html, page.url))
        reasons[reason or "filed"] = reasons.get(reason or "filed", 0) + 1
    print(f"page typing, {len(aeb_pages)} AEB article pages: " +
          ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])))
    per_layout: dict[str, list[int]] = {}
    for layout, kind, url, html in generate():
        for name, settings in (("on", DEFAULT_SETTINGS), ("off", OFF)):
            reason = skip_reason(url, extract(html, url, settings=settings))
            tally = per_layout.setdefault(f"{layout}/{name}", [0, 0])
            if kind == "article":
                tally[1] += reason is not None   # an article skipped: wrong
            else:
                tally[0] += reason is None       # a listing filed: wrong
            filed += reason is None
            skipped += reason is not None
    print("generated pages, wrong decisions per layout (listings filed / articles skipped), structure on vs off:")
    for key in sorted(per_layout):
        print(f"  {key:<28} listings filed {per_layout[key][0]:>3}   articles skipped {per_layout[key][1]:>3}")


def run_sites(families: list[str] | None = None):
    """Offline, page by page (no crawl): every article and listing route of each generated site
    family (benchmarks/sitegen), extracted with and without the structure pass. Counts teaser and
    comment strings of other articles left in an article's text, recall of its own paragraphs,
    listings filed and articles skipped by archive.pages. The crawl itself: benchmarks/sites.py."""
    from benchmarks.sitegen import FAMILIES, build_site
    from benchmarks.sitegen.score import norm

    host = "127.0.0.1:8000"
    print(f"\ngenerated site families, every route offline (structure on / off):")
    print(f"{'family':<16} {'pages':>5} {'teaser leaks':>13} {'comment leaks':>14} {'recall':>13} "
          f"{'listings filed':>15} {'articles skipped':>17}")
    for family in families or list(FAMILIES):
        site = build_site(family)
        truth = site.truth()
        forbidden = [(norm(f["text"]), f["kind"], f["owner"]) for f in truth["forbidden"] if norm(f["text"])]
        stats = {"on": [0, 0, 0.0, 0, 0, 0], "off": [0, 0, 0.0, 0, 0, 0]}  # teaser comment recall-sum n listing skip
        n_pages = 0
        for path, route in site.routes.items():
            if route[0] not in ("article", "listing") or (route[0] == "article" and route[2] != "canonical"):
                continue
            n_pages += 1
            status, headers, body = site.render(path, host)
            url = f"http://{host}{path}"
            for name, settings in (("on", DEFAULT_SETTINGS), ("off", OFF)):
                found = {}
                art = extract(body, url, settings=settings, report=found)
                reason = skip_reason(url, art, structure=found.get("structure"))
                tally = stats[name]
                if route[0] == "listing":
                    tally[4] += reason is None
                    continue
                a = route[1]
                tally[5] += reason is not None
                text = norm(art.text) if art else ""
                own = " \n ".join(norm(x) for x in [*a.paragraphs, a.title])
                for snippet, kind, owner in forbidden:
                    if owner != a.owner and snippet in text and snippet not in own:
                        tally[0 if kind == "teaser" else 1] += kind in ("teaser", "comment")
                paras = [norm(x) for x in a.paragraphs]
                tally[2] += sum(x in text for x in paras) / len(paras)
                tally[3] += 1
        for name in ("on", "off"):
            t = stats[name]
            print(f"{family + ' ' + name:<16} {n_pages:>5} {t[0]:>13} {t[1]:>14} {t[2] / max(t[3], 1):>13.3f} "
                  f"{t[4]:>15} {t[5]:>17}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=str(DATA))
    ap.add_argument("--limit", type=int)
    ap.add_argument("--set", default="all", choices=["eval", "aeb", "pages", "sites", "all"])
    ap.add_argument("--show", type=int, default=0, help="list N pages where the pass changed a snippet")
    args = ap.parse_args(argv)
    data = Path(args.data_dir)
    if args.set == "sites":
        run_sites()
        return 0
    eval_pages = load_eval(data / "trafilatura-eval-dev", args.limit)
    extract(eval_pages[0][1], eval_pages[0][0])   # warm-up outside the timings
    aeb_pages = []
    if args.set in ("eval", "all"):
        run_eval(eval_pages, args.show)
    if args.set in ("aeb", "all"):
        aeb_pages = run_aeb(data / "article-extraction-benchmark", args.limit)
    if args.set in ("all",):
        run_cost([(u, h) for u, h, *_ in eval_pages] + [(p.url, p.html) for p in aeb_pages])
    if args.set in ("pages", "all"):
        if not aeb_pages:
            aeb_pages = load_pages(data / "article-extraction-benchmark", args.limit)
        run_pages(eval_pages, aeb_pages)
    if args.set == "all":
        run_sites()
    return 0


if __name__ == "__main__":
    sys.exit(main())
