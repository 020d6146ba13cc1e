#!/usr/bin/env python
"""Article-extraction benchmark: archive.extract vs plain trafilatura.

Data: https://github.com/scrapinghub/article-extraction-benchmark layout,
``html/<id>.html.gz`` + ``ground-truth.json`` ({id: {"articleBody", "url"}}).
Default location ``<repo>/../shared/data/article-extraction-benchmark``;
override with ``--data`` or ``$ARTICLE_BENCHMARK_DIR``.

Metric: lower-cased ``\\w+`` tokens, word 4-gram shingles as multisets;
per page precision = |extracted & truth| / |extracted|, recall =
|extracted & truth| / |truth|; both are 0 when nothing is extracted.
Precision and recall are averaged over pages, F1 = harmonic mean of the two
averages. Timing covers the extraction call only (no gunzip/IO), wall clock
(perf_counter) and process CPU time; calls are interleaved page by page. The
extractors receive the raw bytes; archive.extract also gets the ground-truth URL.

    .venv/bin/python benchmarks/extraction.py [--data PATH] [--limit N] [--sweep]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import trafilatura  # noqa: E402

from archive.extract import DEFAULT_SETTINGS, ExtractionSettings, extract  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
PUBLISHED = [  # F1 reported by the article-extraction-benchmark README / trafilatura docs
    ("best published", 0.970),
    ("trafilatura (published)", 0.958),
    ("newspaper4k (published)", 0.949),
    ("news-please (published)", 0.948),
    ("readability.js (published)", 0.947),
]
_TOKEN_RE = re.compile(r"\w+")
NGRAM = 4


@dataclass
class Page:
    id: str
    url: str
    html: bytes
    truth: str


@dataclass
class Score:
    name: str
    precision: float
    recall: float
    ms_per_page: float  # wall clock (perf_counter)
    cpu_ms_per_page: float  # process CPU time: robust to other load on the machine
    empty: int
    per_page: dict[str, tuple[float, float]]

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def data_dir(cli_value: str | None) -> Path:
    if cli_value:
        return Path(cli_value)
    if os.environ.get("ARTICLE_BENCHMARK_DIR"):
        return Path(os.environ["ARTICLE_BENCHMARK_DIR"])
    return DEFAULT_DATA


def load_pages(path: Path, limit: int | None = None) -> list[Page]:
    truth = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        with gzip.open(path / "html" / f"{page_id}.html.gz", "rb") as fh:
            html = fh.read()
        pages.append(Page(page_id, truth[page_id]["url"], html, truth[page_id]["articleBody"]))
        if limit and len(pages) >= limit:
            break
    return pages


def shingles(text: str, n: int = NGRAM) -> Counter:
    tokens = _TOKEN_RE.findall(text.lower())
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_scores(extracted: str, truth: str) -> tuple[float, float]:
    """(precision, recall) for one page; (0, 0) when nothing was extracted."""
    pred, gold = shingles(extracted), shingles(truth)
    n_pred, n_gold = sum(pred.values()), sum(gold.values())
    if not n_pred or not n_gold:
        return 0.0, 0.0
    shared = sum((pred & gold).values())
    return shared / n_pred, shared / n_gold


def evaluate(methods: list[tuple[str, Callable[[Page], str | None]]], pages: list[Page]) -> list[Score]:
    """Score several extractors in one pass. Calls are interleaved page by page
    (A, B, A, B, ...) so machine load drifts hit every method alike."""
    outputs: dict[str, dict[str, str]] = {name: {} for name, _ in methods}
    elapsed = dict.fromkeys(outputs, 0.0)
    cpu = dict.fromkeys(outputs, 0.0)
    gc.collect()
    for page in pages:
        for name, fn in methods:
            start, start_cpu = time.perf_counter(), time.process_time()
            out = fn(page)
            elapsed[name] += time.perf_counter() - start
            cpu[name] += time.process_time() - start_cpu
            outputs[name][page.id] = out or ""
    n = len(pages)
    scores = []
    for name, _ in methods:
        per_page = {p.id: page_scores(outputs[name][p.id], p.truth) for p in pages}
        scores.append(
            Score(
                name=name,
                precision=sum(p for p, _ in per_page.values()) / n,
                recall=sum(r for _, r in per_page.values()) / n,
                ms_per_page=1000 * elapsed[name] / n,
                cpu_ms_per_page=1000 * cpu[name] / n,
                empty=sum(1 for p in pages if not outputs[name][p.id]),
                per_page=per_page,
            )
        )
    return scores


def archive_fn(settings: ExtractionSettings = DEFAULT_SETTINGS) -> Callable[[Page], str | None]:
    def run(page: Page) -> str | None:
        article = extract(page.html, page.url, settings=settings)
        return article.text if article else None

    return run


def trafilatura_default(page: Page) -> str | None:
    return trafilatura.extract(page.html)


def print_table(scores: list[Score], n_pages: int) -> None:
    print(f"\n{n_pages} pages; empty extraction scores precision 0 and recall 0 for that page.\n")
    print(f"{'method':<48} {'precision':>9} {'recall':>7} {'F1':>7} {'ms/page':>8} {'cpu ms':>7} {'empty':>5}")
    print("-" * 97)
    for s in scores:
        print(f"{s.name:<48} {s.precision:>9.4f} {s.recall:>7.4f} {s.f1:>7.4f} {s.ms_per_page:>8.1f} {s.cpu_ms_per_page:>7.1f} {s.empty:>5}")
    for name, f1 in PUBLISHED:
        print(f"{name:<48} {'':>9} {'':>7} {f1:>7.3f}")


# --------------------------------------------------------------------------- sweep

def sweep_variants() -> list[tuple[str, Callable[[Page], str | None]]]:
    """Every trafilatura configuration tried when choosing DEFAULT_SETTINGS."""
    base = ExtractionSettings()  # trafilatura defaults (comments off), no post-processing
    post = {"drop_headline": True, "drop_dateline": True}
    variants: list[tuple[str, ExtractionSettings]] = [
        ("defaults", base),
        ("favor_precision", replace(base, favor_precision=True)),
        ("favor_recall", replace(base, favor_recall=True)),
        ("include_tables=False", replace(base, include_tables=False)),
        ("include_formatting", replace(base, include_formatting=True)),
        ("deduplicate", replace(base, deduplicate=True)),
        ("fast", replace(base, fast=True)),
        ("fast+favor_precision", replace(base, fast=True, favor_precision=True)),
        ("fast+favor_recall", replace(base, fast=True, favor_recall=True)),
        ("fast+favor_recall+no tables", replace(base, fast=True, favor_recall=True, include_tables=False)),
        ("favor_precision+no tables", replace(base, favor_precision=True, include_tables=False)),
        ("no article gates", replace(base, min_text_chars=0, max_link_share=1.0, min_paragraph_chars=0)),
        ("defaults+headline", replace(base, drop_headline=True)),
        ("defaults+headline+dateline", replace(base, **post)),
        ("favor_precision+headline+dateline", replace(base, favor_precision=True, **post)),
        ("fast+headline+dateline", replace(base, fast=True, **post)),
        ("fast+favor_recall+headline", replace(base, fast=True, favor_recall=True, drop_headline=True)),
        ("fast+favor_recall+headline+dateline", replace(base, fast=True, favor_recall=True, **post)),
        ("fast+favor_recall+headline+dateline+no gates",
         replace(base, fast=True, favor_recall=True, min_text_chars=0, max_link_share=1.0, min_paragraph_chars=0, **post)),
    ]
    if all(settings != DEFAULT_SETTINGS for _, settings in variants):
        variants.append(("DEFAULT_SETTINGS", DEFAULT_SETTINGS))
    out = [
        (f"archive[{label}]{' *' if settings == DEFAULT_SETTINGS else ''}", archive_fn(settings))
        for label, settings in variants
    ]

    # plain trafilatura output formats (same defaults, comments excluded)
    def fmt(output_format: str) -> Callable[[Page], str | None]:
        def run(page: Page) -> str | None:
            raw = trafilatura.extract(
                page.html, url=page.url, include_comments=False, output_format=output_format, with_metadata=True
            )
            if not raw:
                return None
            if output_format == "json":
                return json.loads(raw).get("text")
            if output_format == "xml":
                from lxml import etree

                root = etree.fromstring(raw.encode("utf-8"))
                main = root.find(".//main")
                return "\n".join(" ".join(el.itertext()) for el in (main if main is not None else root))
            return raw.split("---\n", 2)[-1] if raw.startswith("---\n") else raw

        return run

    for output_format in ("txt", "xml", "json", "markdown"):
        out.append((f"trafilatura.extract[{output_format}, no comments]", fmt(output_format)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help=f"benchmark dir (default: $ARTICLE_BENCHMARK_DIR or {DEFAULT_DATA})")
    parser.add_argument("--limit", type=int, help="only the first N pages (sorted by id)")
    parser.add_argument("--sweep", action="store_true", help="also score every trafilatura setting tried")
    parser.add_argument("--worst", type=int, default=0, help="list the N lowest-F1 pages of archive.extract")
    args = parser.parse_args(argv)

    path = data_dir(args.data)
    if not (path / "ground-truth.json").is_file():
        print(f"benchmark data not found in {path} (use --data or ARTICLE_BENCHMARK_DIR)", file=sys.stderr)
        return 2
    pages = load_pages(path, args.limit)
    # warm-up (imports, lazy caches) outside the timed runs
    extract(pages[0].html, pages[0].url)
    trafilatura.extract(pages[0].html)

    scores = evaluate(
        [("archive.extract (bytes + url)", archive_fn()), ("trafilatura.extract(html) defaults", trafilatura_default)],
        pages,
    )
    print_table(scores, len(pages))

    if args.worst:
        print(f"\nlowest-F1 pages for {scores[0].name}:")
        worst = sorted(scores[0].per_page.items(), key=lambda kv: sum(kv[1]))[: args.worst]
        urls = {p.id: p.url for p in pages}
        for page_id, (p, r) in worst:
            print(f"  P={p:.3f} R={r:.3f} {page_id[:12]} {urls[page_id]}")

    if args.sweep:
        print("\nsweep (settings tried for archive.extract; * = DEFAULT_SETTINGS):")
        sweep = evaluate(sweep_variants(), pages)
        print_table(sweep, len(pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
