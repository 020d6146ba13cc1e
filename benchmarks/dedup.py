#!/usr/bin/env python
"""Same document or not? The archive's dedup layers against plain trafilatura + simhash, on labelled pairs.

    .venv/bin/python benchmarks/dedup.py [--limit N] [--seed S] [--data PATH] [--jobs J] [--show N]

Pages. Two synthetic sites:
- ``bench``: the article-extraction-benchmark's real news pages (``html/<id>.html.gz``; the
  ground-truth body only tells us where the article's paragraphs sit in the HTML). Each page gets,
  inside the article's own container: a byline/date line before the body, and right after the body
  two teaser sections ("Related"-, "Popular"-style; neutral class names) of 2-4 cards teasing OTHER
  articles of the same synthetic site with their real headlines and first sentences (a link wrapping
  ``<img alt=headline>``, a label such as "Editor's choice", ``<h3><a>headline</a></h3>``, a
  one-sentence ``<p>``), one card repeated in both sections. ``rel=canonical``/``og:url`` are removed,
  so every page stands at its own URL. Default location ``<repo>/../shared/data/article-extraction-benchmark``;
  override with ``--data`` or ``$ARTICLE_BENCHMARK_DIR``.
- ``demo``: ``tests.demosite`` article pages, which carry their own teaser cards.

Pairs (first page filed, second page decided at another URL):
- positives, per article: the original page (its own teasers) vs a variant with OTHER teasers and
  (a) nothing else, (b) another date and/or byline, (c) a "Republished: "/"UPDATE: " title prefix,
  (d) one body sentence replaced by a sentence of similar length from another article. For the demo
  site the variant starts from the ``/index.php/`` rendering (the site's own other cards); the
  demo's republished copy and its variant-1 one-sentence edit are added as they are.
- negatives: random pairs of different articles; same-template pairs: two different articles given
  the same long opening and closing paragraph of one press office; the demo site's two EU statements.

Decisions. Ours mirrors ``archive.session.CrawlSession``: ``archive.extract.extract``; the site's
``SiteBlocks`` table has observed every page of the site (the warm-up; each pair's two pages are
added to a copy of the table of the site's articles, so an article is on at most three pages of it);
``clean`` -> ``simhash64`` + ``text_sha256`` -> ``Deduplicator.decide`` with an index holding only
the first page. Same iff alias (or version/unchanged of the first page's document).
Plain: ``trafilatura.extract(html)`` (defaults), ``simhash.Simhash(text)`` (defaults), same iff
Hamming distance <= 3. A page without extracted text is never "the same".

Cost: one crawl-like pass over every page (one index, growing), in this process: mean ms/page of
clean + simhash64 + text_sha256 + decide; every 5th page is extracted again right there, so the ratio
compares the two on the same pages under the same load. Deterministic given ``--seed`` (timings aside).
A page's decision here never uses ``rel=canonical`` (it is removed): the content layers do the work.
"""
from __future__ import annotations

import argparse
import copy
import gc
import gzip
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from simhash import Simhash  # noqa: E402

from archive.archive import doc_id_for  # noqa: E402
from archive.dedup import (ALIAS, MIN_CONTAINMENT, MIN_JACCARD, NEAR_K, NEW, UNCHANGED, VERSION,  # noqa: E402
                           Deduplicator, UrlIndex, anchor_hashes, overlap)
from archive.encoding import decode_html  # noqa: E402
from archive.extract import Article, extract  # noqa: E402
from archive.fingerprint import simhash64, text_sha256  # noqa: E402
from archive.neardup import NearDupIndex  # noqa: E402
from archive.teasers import SiteBlocks, clean  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
BENCH_HOST = "https://news.example"
DEMO_HOST = "demo.example"
PLAIN_MAX_DISTANCE = 3

TEASERS, DATE, TITLE, EDIT = "teasers", "date/byline", "title prefix", "one-sentence edit"
RANDOM_NEG, TEMPLATE_NEG = "random negative", "same-template negative"
POSITIVE_KINDS = (TEASERS, DATE, TITLE, EDIT)
NEGATIVE_KINDS = (RANDOM_NEG, TEMPLATE_NEG)
KINDS = POSITIVE_KINDS + NEGATIVE_KINDS

# The synthetic site's template: two teaser sections and a few card labels.
SECTION_HEADINGS = ("Related coverage", "Most popular")
CARD_LABELS = ("Editor's choice", "Analysis", "Opinion", "Latest", "Must read", "Featured")
TITLE_PREFIXES = ("Republished: ", "UPDATE: ")
AUTHORS = ("Maria Keller", "David Okafor", "Lena Petrova", "James Whitfield", "Sofia Marques",
           "Tomasz Nowak", "Aiko Tanaka", "Samuel Brooks", "Nadia Haddad", "Peter Lindqvist")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
SUMMARY_MAX_CHARS = 200  # card summaries cut like a CMS does, at a word, with an ellipsis
MIN_COVERAGE = 0.5       # a page whose article paragraphs we cannot find (ground truth) is left out

# Press-office templates: the same opening and closing paragraph on every statement of one office.
TEMPLATES = (
    (
        "The Ministry of Foreign Affairs has followed recent developments with close attention and "
        "wishes to set out its position on the matters discussed below. The Ministry reaffirms its "
        "commitment to international law, to the peaceful settlement of disputes and to constructive "
        "dialogue with all partners, and it stands ready to contribute to any initiative that "
        "strengthens stability, security and cooperation in the wider region.",
        "The Ministry will continue to monitor the situation closely and remains in regular contact "
        "with its partners, international organisations and civil society. Further information will "
        "be published as it becomes available, and the Ministry's spokesperson can be reached through "
        "the press office during normal working hours for any additional questions from the media.",
    ),
    (
        "The City Council today issued the following statement on behalf of the Mayor and the members "
        "of the executive committee. The Council is committed to keeping residents, businesses and "
        "community organisations fully informed about decisions that affect daily life in the city, "
        "and to explaining clearly how those decisions were reached and what happens next.",
        "Residents who would like to comment on this matter are invited to do so through the "
        "Council's online consultation portal or at any of the public meetings listed on its website. "
        "All contributions received before the deadline will be considered by the relevant committee "
        "and summarised in a report that will be made publicly available.",
    ),
    (
        "The Board of Directors met on Tuesday to review the company's activities and to discuss the "
        "outlook for the coming months. In line with its policy of open and timely communication with "
        "shareholders, employees and the public, the Board has decided to publish the following "
        "information, which it considers relevant for an accurate assessment of the company's position "
        "and prospects.",
        "This release contains forward-looking statements that are based on current expectations and "
        "assumptions and are subject to risks and uncertainties that could cause actual results to "
        "differ materially. The company undertakes no obligation to update these statements, except "
        "where required by applicable law or by the rules of the stock exchanges on which its shares "
        "are listed.",
    ),
    (
        "The National Federation of Trade Unions, representing more than two million workers in every "
        "sector of the economy, has adopted the following position at the meeting of its general "
        "council. The Federation recalls that decent work, fair wages and safe workplaces are the "
        "foundation of a prosperous society, and that social dialogue remains the best way to resolve "
        "differences between employers, workers and the government.",
        "The Federation calls on all parties to return to the negotiating table without delay and "
        "will keep its members informed of every further development. Affiliated unions will hold "
        "meetings in the coming weeks to discuss the next steps, and the general council will meet "
        "again before the end of the month to review the situation.",
    ),
)

WORD_RE = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?][\"”’»)\]]*\s+|[。！？][\"”’」』)]*\s*")
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "svg", "iframe"}
_BLOCK_TAGS = {
    "p", "div", "li", "td", "th", "blockquote", "section", "article", "main", "h1", "h2", "h3", "h4",
    "h5", "h6", "figcaption", "pre", "dd", "dt", "ul", "ol", "dl", "table", "tbody", "thead", "tr",
    "body", "header", "footer", "aside", "nav", "form", "figure", "address", "center", "details",
}
_ENDS_SENTENCE = re.compile(r"[.!?。！？][\"”’»)\]」』]*\s*$")
_MIN_PIECE_CHARS = 25


def norm(text: str) -> str:
    return " ".join(WORD_RE.findall(text.lower()))


def script_of(text: str) -> str:
    counts = Counter(unicodedata.name(c, "?").split()[0] for c in text if c.isalpha())
    return counts.most_common(1)[0][0] if counts else ""


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentences(text: str) -> list[str]:
    return [s for a, b in sentence_spans(text) if (s := text[a:b].strip())]


def editable(sentence: str) -> bool:
    """A sentence worth editing: a real one, ending like a sentence, not a fragment."""
    s = sentence.strip()
    return 40 <= len(s) <= 400 and s[-1:] in ".!?。！？\"”’»)" and len(WORD_RE.findall(s)) >= 4


# --------------------------------------------------------------------------- sources

@dataclass
class Source:
    """One article of a synthetic site, as the raw page we start from."""
    sid: str
    site: str                  # "bench" | "demo"
    path: str                  # the original page's path
    html: str                  # raw page (demo: the plain rendering)
    alt_html: str              # where variants start from (demo: the /index.php/ rendering)
    body: str                  # ground-truth body text (labels only)
    headline: str
    summary: str               # the one-sentence card summary
    date: str                  # byline date shown on the page
    author: str
    script: str = ""
    inject: bool = True        # add our own dateline and teaser cards (bench) or not (demo)


@dataclass
class Page:
    url: str
    site: str
    story: str                 # what article this is (sid, or "tpl:<sid>" for a press-office statement)
    html: bytes
    teasers: tuple[str, ...]   # sids teased on the page
    title: str                 # headline as shown
    dateline: str = ""         # date/byline as shown
    edit: tuple[str, str] | None = None   # (old sentence, new sentence)
    template: int | None = None


@dataclass
class Pair:
    kind: str
    same: bool
    a: Page
    b: Page

    @property
    def site(self) -> str:
        return self.a.site


def data_dir(cli_value: str | None = None) -> Path:
    if cli_value:
        return Path(cli_value)
    if os.environ.get("ARTICLE_BENCHMARK_DIR"):
        return Path(os.environ["ARTICLE_BENCHMARK_DIR"])
    return DEFAULT_DATA


def _headline(tree, meta_title: str | None) -> str:
    """The visible headline: an <h1> that the page's <title>, og:title or metadata title contains,
    else the metadata title."""
    titles = [meta_title or "", tree.findtext(".//title") or ""]
    titles += [m.get("content") or "" for m in tree.iterfind(".//meta[@property='og:title']")]
    titles = [norm(t) for t in titles]
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text and norm(text) and any(norm(text) in t for t in titles):
            return text
    if meta_title:
        return " ".join(meta_title.split())
    for h1 in tree.iter("h1"):
        if text := " ".join(h1.text_content().split()):
            return text
    return ""


def _summary(body: str) -> str:
    for s in sentences(body.split("\n")[0] if body.strip() else body) + sentences(body):
        if len(WORD_RE.findall(s)) >= 5 or len(s) >= 30:
            break
    else:
        s = body.strip()[:SUMMARY_MAX_CHARS]
    s = " ".join(s.split())
    if len(s) > SUMMARY_MAX_CHARS:
        cut = s[:SUMMARY_MAX_CHARS].rsplit(" ", 1)[0] if " " in s[:SUMMARY_MAX_CHARS] else s[:SUMMARY_MAX_CHARS]
        s = cut.rstrip(",;:") + "…"
    return s


def _date_text(rng: Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2024)}"


def load_bench_sources(path: Path, rng: Random, limit: int | None = None) -> list[Source]:
    truth = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)
    if limit is not None and limit < len(ids):
        ids = sorted(rng.sample(ids, limit))
    sources = []
    for pid in ids:
        raw = gzip.decompress((path / "html" / f"{pid}.html.gz").read_bytes())
        html, _ = decode_html(raw, None)
        tree = lxml.html.document_fromstring(html)
        meta = trafilatura.extract_metadata(tree)
        body = truth[pid]["articleBody"]
        sources.append(Source(
            sid=pid[:10], site="bench", path=f"/a/{pid[:10]}", html=html, alt_html=html, body=body,
            headline=_headline(tree, meta.title if meta else None), summary=_summary(body),
            date=_date_text(rng), author=rng.choice(AUTHORS), script=script_of(body)))
    return sources


def demo_sources(site0) -> list[Source]:
    """The demo site's articles (its republished copy included)."""
    from tests.demosite.generate import _human_date

    sources = []
    for a in site0.articles:
        _, _, html = site0.render(a["path"], DEMO_HOST)
        _, _, alt = site0.render("/index.php" + a["path"], DEMO_HOST)
        body = "\n".join([a["lead"], *a["paragraphs"]])
        sources.append(Source(
            sid=a["slug"], site="demo", path=a["path"], html=html.decode("utf-8"), alt_html=alt.decode("utf-8"),
            body=body, headline=a["title"], summary=a["lead"], date=_human_date(a["published"]),
            author=a["author"], script=script_of(body), inject=False))
    return sources


# --------------------------------------------------------------------------- locating the body

def _inline_pieces(el) -> list[str]:
    """Text of ``el`` outside nested block elements, split at nested blocks and <br>."""
    pieces, cur = [], [el.text or ""]

    def walk(node):
        for ch in node:
            if not isinstance(ch.tag, str):       # comment / processing instruction
                pass
            elif ch.tag in _SKIP_TAGS:
                pass
            elif ch.tag in _BLOCK_TAGS or ch.tag == "br":
                pieces.append("".join(cur))
                cur.clear()
            else:
                cur.append(ch.text or "")
                walk(ch)
            cur.append(ch.tail or "")

    walk(el)
    pieces.append("".join(cur))
    return [p for p in pieces if p.strip()]


@dataclass
class BodySpot:
    container: object
    first: object | None       # container child holding the first body block (None: the container's own text)
    last: object | None
    blocks: list               # body blocks (elements whose own text is the article's), in order
    coverage: float            # share of the ground-truth body's characters found


def _blocks_outside_skipped(tree):
    stack = [tree]
    while stack:
        el = stack.pop()
        if el.tag in _BLOCK_TAGS:
            yield el
        stack.extend(ch for ch in reversed(el) if isinstance(ch.tag, str) and ch.tag not in _SKIP_TAGS)


def locate_body(tree, body: str) -> BodySpot | None:
    """Where the article's paragraphs are: the deepest element holding ~all body blocks."""
    target = norm(body)
    if not target:
        return None
    matched: dict = {}
    for el in _blocks_outside_skipped(tree):
        pieces = [norm(p) for p in _inline_pieces(el)]
        total = sum(len(p) for p in pieces)
        hit = sum(len(p) for p in pieces if len(p) >= _MIN_PIECE_CHARS and p in target)
        if hit >= _MIN_PIECE_CHARS and hit >= 0.5 * total:
            matched[el] = hit
    if not matched:
        return None
    under: Counter = Counter()
    for el, hit in matched.items():
        under[el] += hit
        for anc in el.iterancestors():
            under[anc] += hit
    total = sum(matched.values())
    depth = {el: sum(1 for _ in el.iterancestors()) for el in under}
    container = max((el for el, n in under.items() if n >= 0.9 * total), key=depth.__getitem__)
    blocks = [el for el in container.iter() if el in matched]

    def top(el):
        if el is container:
            return None
        while el.getparent() is not container:
            el = el.getparent()
        return el

    return BodySpot(container, top(blocks[0]), top(blocks[-1]), blocks,
                    min(1.0, sum(matched[b] for b in blocks) / len(target)))


# --------------------------------------------------------------------------- page building

def _esc(s: str) -> str:
    from html import escape
    return escape(s, quote=True)


def cards_html(cards: list[Source], rng: Random) -> list[str]:
    """Two teaser sections; the first card of the first section is repeated in the second."""
    k = len(cards)
    split = rng.randint(1, k - 1)
    first, second = list(cards[:split]), list(cards[split:])
    shared = rng.choice(first)
    second.insert(rng.randint(0, len(second)), shared)

    def card(c: Source) -> str:
        href = f"/a/{c.sid}" if c.site == "bench" else c.path
        return (f'<div class="g4"><a href="{href}"><img src="/img/{c.sid}.jpg" alt="{_esc(c.headline)}" '
                f'width="320" height="180"></a><span class="s1">{_esc(rng.choice(CARD_LABELS))}</span>'
                f'<h3><a href="{href}">{_esc(c.headline)}</a></h3><p>{_esc(c.summary)}</p></div>')

    return [f'<div class="r2"><h2>{_esc(heading)}</h2>{"".join(card(c) for c in section)}</div>'
            for heading, section in zip(SECTION_HEADINGS, (first, second))]


def _replace_everywhere(tree, old: str, new: str) -> int:
    """Replace ``old`` in every text node and content/alt attribute (titles, metas, JSON-LD)."""
    n = 0
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if el.text and old in el.text:
            el.text, n = el.text.replace(old, new), n + 1
        if el.tail and old in el.tail:
            el.tail, n = el.tail.replace(old, new), n + 1
        for attr in ("content", "title"):
            v = el.get(attr)
            if v and old in v:
                el.set(attr, v.replace(old, new))
                n += 1
    return n


def _set_title_prefix(tree, headline: str, prefix: str) -> None:
    _replace_everywhere(tree, headline, prefix + headline)
    json_headline = json.dumps(headline)[1:-1]   # JSON-LD may escape non-ASCII characters
    if json_headline != headline:
        _replace_everywhere(tree, json_headline, json.dumps(prefix + headline)[1:-1])
    h1s = [h1 for h1 in tree.iter("h1") if norm(h1.text_content())]
    for h1 in h1s:           # a headline split over inline tags
        if norm(h1.text_content()) == norm(headline):
            h1.text = prefix + (h1.text or "")
    if h1s and not any(h1.text_content().lstrip().startswith(prefix) for h1 in h1s):
        h1s[0].text = prefix + (h1s[0].text or "").lstrip()   # the page shows another headline
    title = tree.find(".//title")
    if title is not None and prefix not in (title.text or ""):
        title.text = prefix + (title.text or "")
    for meta in tree.iter("meta"):
        if meta.get("property") == "og:title" or meta.get("name") == "twitter:title":
            if prefix not in (meta.get("content") or ""):
                meta.set("content", prefix + (meta.get("content") or ""))


def _inline_slots(el) -> list[tuple[object, str]]:
    """(node, "text"|"tail") of the text nodes that make up ``el``'s own (inline) text."""
    slots = [(el, "text")]

    def walk(node):
        for ch in node:
            if isinstance(ch.tag, str) and ch.tag not in _SKIP_TAGS and ch.tag not in _BLOCK_TAGS and ch.tag != "br":
                slots.append((ch, "text"))
                walk(ch)
            slots.append((ch, "tail"))

    walk(el)
    return slots


def _edit_sentence(spot: BodySpot, rng: Random, pool: dict[str, list[tuple[str, str]]], script: str,
                   page_text: str) -> tuple[str, str] | None:
    """Replace one sentence of the body with another article's sentence of similar length (one that
    the page does not show already)."""
    slots = []   # (element, attribute, start, end, sentence)
    for el in spot.blocks:
        before = ""   # the block's text up to this node: a sentence must start after a sentence end
        for node, attr in _inline_slots(el):
            text = getattr(node, attr) or ""
            for a, b in sentence_spans(text):
                s = text[a:b].strip()
                starts = a > 0 or not before.strip() or _ENDS_SENTENCE.search(before)
                if starts and editable(s):
                    slots.append((node, attr, a, b, s))
            before += text
    if not slots:
        return None
    node, attr, a, b, old = rng.choice(slots)
    same_script = pool.get(script) or [s for v in pool.values() for s in v]
    close = [s for s, n in same_script if abs(len(s) - len(old)) <= 0.15 * len(old) and n not in page_text]
    if close:
        new = rng.choice(close)
    else:
        new = next((s for s, n in sorted(same_script, key=lambda e: abs(len(e[0]) - len(old)))
                    if n not in page_text), None)
        if new is None:
            return None
    text = getattr(node, attr)
    seg = text[a:b]
    lead_ws = seg[:len(seg) - len(seg.lstrip())]
    trail_ws = seg[len(seg.rstrip()):]
    setattr(node, attr, text[:a] + lead_ws + new + trail_ws + text[b:])
    return old, new


def _insert_before_body(spot: BodySpot, elements: list) -> None:
    c = spot.container
    if spot.first is not None:
        for el in elements:
            spot.first.addprevious(el)
    else:
        for i, el in enumerate(elements):
            c.insert(i, el)
        elements[-1].tail = (elements[-1].tail or "") + (c.text or "")
        c.text = None


def _insert_after_body(spot: BodySpot, elements: list) -> None:
    if spot.last is not None:
        anchor = spot.last
        for el in elements:
            anchor.addnext(el)
            anchor = el
    else:
        for el in elements:
            spot.container.append(el)


def _fragment(html: str):
    return lxml.html.fragment_fromstring(html)


def _serialize(tree) -> bytes:
    for meta in tree.iter("meta"):
        if meta.get("charset") or (meta.get("http-equiv") or "").lower() == "content-type":
            meta.getparent().remove(meta)
    head = tree.find("head")
    if head is None:
        head = lxml.html.Element("head")
        tree.insert(0, head)
    charset = lxml.html.Element("meta")
    charset.set("charset", "utf-8")
    head.insert(0, charset)
    html = lxml.html.tostring(tree, encoding="unicode", method="html", doctype="<!DOCTYPE html>")
    return html.encode("utf-8")


class PageBuilder:
    def __init__(self, sources: list[Source], rng: Random):
        self.sources = sources
        self.by_sid = {s.sid: s for s in sources}
        self.rng = rng
        self._trees: dict[tuple[str, bool], tuple[object, BodySpot | None]] = {}
        # replacement sentences for edits: not from first paragraphs, which teaser cards show
        self.pool: dict[str, list[tuple[str, str]]] = {}   # script -> [(sentence, normalised)]
        for s in sources:
            for sent in sentences(s.body[len(s.body.split("\n")[0]):]):
                if editable(sent):
                    self.pool.setdefault(s.script, []).append((sent, norm(sent)))

    def spot(self, src: Source, alt: bool = False) -> BodySpot | None:
        key = (src.sid, alt)
        if key not in self._trees:
            tree = lxml.html.document_fromstring(src.alt_html if alt else src.html)
            self._trees[key] = (tree, locate_body(tree, src.body))
        return self._trees[key][1]

    def _fresh(self, src: Source, alt: bool) -> tuple[object, BodySpot]:
        """A copy of the source page's tree, with the body's place found on the copy."""
        spot = self.spot(src, alt)
        if spot is None:
            raise ValueError(f"{src.sid}: article body not found in the HTML")
        tree = self._trees[(src.sid, alt)][0]
        path = tree.getroottree().getpath
        tree2 = copy.deepcopy(tree)
        find = tree2.getroottree().xpath

        def same(el):
            return None if el is None else find(path(el))[0]

        return tree2, BodySpot(same(spot.container), same(spot.first), same(spot.last),
                               [same(b) for b in spot.blocks], spot.coverage)

    def pick_cards(self, src: Source, avoid: tuple[str, ...] = ()) -> list[Source]:
        """2-4 other articles of the site, preferably none of ``avoid``, never exactly ``avoid``."""
        others = [s for s in self.sources if s.sid != src.sid and s.site == src.site]
        fresh = [s for s in others if s.sid not in avoid]
        pool = fresh if len(fresh) >= 2 else others
        if len(pool) < 2:
            raise ValueError(f"{src.sid}: too few other articles for teaser cards")
        for _ in range(50):
            cards = self.rng.sample(pool, min(len(pool), self.rng.randint(2, 4)))
            if not avoid or ({c.sid for c in cards} - set(avoid) if fresh else {c.sid for c in cards} != set(avoid)):
                return cards
        raise ValueError(f"{src.sid}: no other set of teaser cards")

    def page(self, src: Source, url: str, *, alt: bool = False, cards: list[Source] | None = None,
             dateline: tuple[str, str] | None = None, title_prefix: str | None = None,
             edit: bool = False, template: int | None = None, story: str | None = None) -> Page:
        """``src``'s page with our changes. ``dateline``: (date, author) shown instead of the original."""
        tree, spot = self._fresh(src, alt)
        for el in list(tree.iter("link", "meta")):
            if "canonical" in (el.get("rel") or "").lower().split() or el.get("property") == "og:url":
                el.getparent().remove(el)
        date, author = dateline or (src.date, src.author)
        if src.inject:
            shown = f"By {author} · {date}"
            before = [_fragment(f'<p class="d1">{_esc(shown)}</p>')]
            if template is not None:
                before.append(_fragment(f"<p>{_esc(TEMPLATES[template][0])}</p>"))
        else:   # demo pages: their own byline line
            shown = f"{date} · {author}"
            if dateline:
                _replace_everywhere(tree, src.date, date)
                _replace_everywhere(tree, src.author, author)
            before = []
        change = None
        if edit:
            change = _edit_sentence(spot, self.rng, self.pool, src.script, norm(tree.text_content()))
            if change is None:
                raise ValueError(f"{src.sid}: no sentence to edit")
        if title_prefix:
            _set_title_prefix(tree, src.headline, title_prefix)
        after = []
        if template is not None and src.inject:
            after.append(_fragment(f"<p>{_esc(TEMPLATES[template][1])}</p>"))
        teased: tuple[str, ...] = ()
        if src.inject:
            cards = cards if cards is not None else self.pick_cards(src)
            after += [_fragment(h) for h in cards_html(cards, self.rng)]
            teased = tuple(c.sid for c in cards)
        else:
            site = getattr(self, "demo_site", None)
            if site is not None:
                on = site.cards_on(("/index.php" if alt else "") + src.path)
                teased = tuple(sorted({c["slug"] for c in on["related"] + on["popular"]}))
        if before:
            _insert_before_body(spot, before)
        if after:
            _insert_after_body(spot, after)
        title = (title_prefix or "") + src.headline
        return Page(url=url, site=src.site, story=story or src.sid, html=_serialize(tree), teasers=teased,
                    title=title, dateline=shown, edit=change, template=template)


# --------------------------------------------------------------------------- pairs

@dataclass
class Corpus:
    pages: dict[str, Page]                   # url -> page
    pairs: list[Pair]
    site_pages: dict[str, list[str]]         # site -> urls of the site's own articles (the table's pages)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (what, why)
    headlines: dict[str, str] = field(default_factory=dict)         # sid -> headline shown on cards
    summaries: dict[str, str] = field(default_factory=dict)         # sid -> summary shown on cards


def build_corpus(seed: int = 0, limit: int | None = None, data: Path | None = None, *,
                 bench: bool = True, demo: bool = True, demo_limit: int | None = None) -> Corpus:
    rng = Random(seed)
    pages: dict[str, Page] = {}
    pairs: list[Pair] = []
    site_pages: dict[str, list[str]] = {"bench": [], "demo": []}
    skipped: list[tuple[str, str]] = []
    headlines: dict[str, str] = {}
    summaries: dict[str, str] = {}

    def add(page: Page, own: bool = False) -> Page:
        pages[page.url] = page
        if own:
            site_pages[page.site].append(page.url)
        return page

    # ---- bench
    if bench:
        sources = load_bench_sources(data or data_dir(), Random(rng.random()), limit)
        builder = PageBuilder(sources, Random(rng.random()))
        usable = []
        for s in sources:
            spot = builder.spot(s)
            if spot is None:
                skipped.append((s.sid, "article body not found in the HTML"))
            elif spot.coverage < MIN_COVERAGE:
                skipped.append((s.sid, f"only {spot.coverage:.0%} of the article body found in the HTML"))
            elif not s.headline:
                skipped.append((s.sid, "no headline"))
            else:
                usable.append(s)
        builder.sources = usable
        headlines.update((s.sid, s.headline) for s in usable)
        summaries.update((s.sid, s.summary) for s in usable)
        base: dict[str, Page] = {}
        for s in usable:
            base[s.sid] = add(builder.page(s, f"{BENCH_HOST}{s.path}"), own=True)
        # press-office statements: pairs of different articles, one template per pair
        order = list(usable)
        builder.rng.shuffle(order)
        for i in range(0, len(order) - 1, 2):
            t = builder.rng.randrange(len(TEMPLATES))
            one, two = (add(builder.page(s, f"{BENCH_HOST}/press/{s.sid}", template=t, story=f"tpl:{s.sid}"),
                            own=True) for s in order[i:i + 2])
            pairs.append(Pair(TEMPLATE_NEG, False, one, two))
        for s in usable:
            orig = base[s.sid]
            pairs += _positive_pairs(builder, s, orig, f"{BENCH_HOST}/v", add, skipped)
            other = builder.rng.choice([o for o in usable if o.sid != s.sid]) if len(usable) > 1 else None
            if other is not None:
                pairs.append(Pair(RANDOM_NEG, False, orig, base[other.sid]))

    # ---- demo
    if demo:
        from tests.demosite import build_site
        from tests.demosite.generate import _human_date
        site0, site1 = build_site(0), build_site(1)
        sources = demo_sources(site0)
        builder = PageBuilder(sources, Random(rng.random()))
        builder.demo_site = site0
        headlines.update((s.sid, s.headline) for s in sources)
        summaries.update((s.sid, s.summary) for s in sources)
        rep = next(a for a in site0.articles if a["republished_of"])
        orig_slug = site0.article(rep["republished_of"])["slug"]
        base = {}
        for s in sources:   # every article page of the site, as the site serves it
            _, _, body = site0.render(s.path, DEMO_HOST)
            on = site0.cards_on(s.path)
            story = orig_slug if s.sid == rep["slug"] else s.sid
            base[s.sid] = add(Page(url=f"http://{DEMO_HOST}{s.path}", site="demo", story=story, html=body,
                                   teasers=tuple(sorted({c["slug"] for c in on["related"] + on["popular"]})),
                                   title=s.headline, dateline=f"{s.date} · {s.author}"), own=True)
        chosen = [s for s in sources if s.sid != rep["slug"]][:demo_limit]
        eu = [s.sid for s in sources if s.sid.startswith("eu-statement-")]
        same_or_template = [{rep["slug"], orig_slug}, set(eu)]   # not random negatives
        for s in chosen:
            pairs += _positive_pairs(builder, s, base[s.sid], f"http://{DEMO_HOST}/v", add, skipped, alt=True)
            other = builder.rng.choice([o for o in sources
                                        if o.sid != s.sid and {o.sid, s.sid} not in same_or_template])
            pairs.append(Pair(RANDOM_NEG, False, base[s.sid], base[other.sid]))
        # native pairs: the republished copy, the variant-1 edit, the two EU statements
        pairs.append(Pair(TITLE, True, base[orig_slug], base[rep["slug"]]))
        info = site1.edit_info
        _, _, edited = site1.render("/index.php" + info["path"], DEMO_HOST)
        a1 = site1.article(info["path"])
        on = site1.cards_on("/index.php" + info["path"])
        b = add(Page(url=f"http://{DEMO_HOST}/index.php{info['path']}", site="demo", story=info["slug"],
                     html=edited, teasers=tuple(sorted({c["slug"] for c in on["related"] + on["popular"]})),
                     title=a1["title"], dateline=f"{_human_date(a1['published'])} · {a1['author']}",
                     edit=(info["old"], info["new"])))
        pairs.append(Pair(EDIT, True, base[info["slug"]], b))
        pairs.append(Pair(TEMPLATE_NEG, False, base[eu[0]], base[eu[1]]))
    return Corpus(pages, pairs, site_pages, skipped, headlines, summaries)


def _positive_pairs(builder: PageBuilder, s: Source, orig: Page, prefix: str, add, skipped: list,
                    alt: bool = False) -> list[Pair]:
    rng = builder.rng
    out = []

    def variant(kind: str, slug: str, **kw) -> None:
        try:
            cards = None if alt else builder.pick_cards(s, avoid=orig.teasers)
            page = builder.page(s, f"{prefix}/{slug}/{s.sid}", alt=alt, cards=cards, **kw)
        except ValueError as exc:   # e.g. no sentence long enough to edit
            skipped.append((f"{kind} pair of {s.sid}", str(exc).split(": ", 1)[-1]))
            return
        out.append(Pair(kind, True, orig, add(page)))

    variant(TEASERS, "t")
    what = rng.choice(("date", "byline", "both"))
    date = author = None
    while (date, author) in ((None, None), (s.date, s.author)):
        date = _date_text(rng) if what != "byline" else s.date
        author = rng.choice(AUTHORS) if what != "date" else s.author
    variant(DATE, "d", dateline=(date, author))
    variant(TITLE, "p", title_prefix=rng.choice(TITLE_PREFIXES))
    variant(EDIT, "e", edit=True)
    return out


# --------------------------------------------------------------------------- extraction and decisions

@dataclass
class Extracted:
    article: Article | None
    ours_ms: float
    plain: str
    plain_ms: float
    plain_fp: int | None


def _extract_one(item: tuple[str, bytes, bool]) -> tuple[str, Extracted]:
    url, html, plain = item
    t = time.perf_counter()
    art = extract(html, url)
    art = art if art is not None and art.holds_article else None  # what the crawler files
    ours_ms = 1000 * (time.perf_counter() - t)
    text, plain_ms, fp = "", 0.0, None
    if plain:
        t = time.perf_counter()
        text = trafilatura.extract(html) or ""
        plain_ms = 1000 * (time.perf_counter() - t)
        fp = Simhash(text).value if text else None
    return url, Extracted(art, ours_ms, text, plain_ms, fp)


def extract_all(pages: dict[str, Page], *, plain: bool = True, jobs: int = 1,
                progress: bool = False) -> dict[str, Extracted]:
    """Both extractions of every page (``jobs`` worker processes); per-call times in ms."""
    items = [(url, page.html, plain) for url, page in pages.items()]
    gc.collect()
    done: dict[str, Extracted] = {}
    if jobs > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for url, e in pool.imap_unordered(_extract_one, items, chunksize=4):
                done[url] = e
                if progress and len(done) % 200 == 0:
                    print(f"  extracted {len(done)}/{len(items)} pages", file=sys.stderr)
    else:
        for item in items:
            url, e = _extract_one(item)
            done[url] = e
            if progress and len(done) % 200 == 0:
                print(f"  extracted {len(done)}/{len(items)} pages", file=sys.stderr)
    return {url: done[url] for url in pages}


def site_tables(corpus: Corpus, ex: dict[str, Extracted]) -> dict[str, SiteBlocks]:
    """Per site: a table that has observed the site's own article pages (the warm-up)."""
    tables = {}
    for site, urls in corpus.site_pages.items():
        table = SiteBlocks()
        for url in urls:
            art = ex[url].article
            if art is not None:
                table.observe(url, art.blocks, art.title)
        tables[site] = table
    return tables


def _copy_table(t: SiteBlocks) -> SiteBlocks:
    return SiteBlocks(freq=dict(t.freq), pages=set(t.pages), titles=dict(t.titles), leads=dict(t.leads))


@dataclass
class Outcome:
    pair: Pair
    ours: bool
    plain: bool | None
    evidence: dict
    texts: tuple[str, str] = ("", "")
    distance_plain: int | None = None


def decide_pair(pair: Pair, ex: dict[str, Extracted], table: SiteBlocks) -> tuple[bool, dict, tuple[str, str]]:
    """File page a, decide page b (at another URL): the CrawlSession wiring on a one-document index."""
    arts = [ex[pair.a.url].article, ex[pair.b.url].article]
    if None in arts:
        missing = [p.url for p, a in zip((pair.a, pair.b), arts) if a is None]
        return False, {"layer": "no text", "missing": missing}, ("", "")
    table = _copy_table(table)
    for page, art in zip((pair.a, pair.b), arts):
        table.observe(page.url, art.blocks, art.title)
    texts = {}
    dedup = Deduplicator(UrlIndex(), NearDupIndex(k=NEAR_K), texts.__getitem__)
    decisions = []
    for page, art in zip((pair.a, pair.b), arts):
        cleaned = clean(art.blocks, title=art.title, key=page.url, table=table)
        text = cleaned.text
        sha, fp = text_sha256(text), simhash64(text)
        d = dedup.decide(canonical=page.url, fetched_key=page.url, text=text, text_sha=sha, fp=fp,
                         new_id=doc_id_for(page.url), blocks=cleaned.blocks)
        if d.action == NEW:
            dedup.remember(d.doc_id, page.url, sha, fp, anchor_hashes(cleaned.blocks))
            texts[d.doc_id] = text
        decisions.append((d, text))
    (first, ta), (second, tb) = decisions
    same = second.action == ALIAS or (second.action in (VERSION, UNCHANGED) and second.doc_id == first.doc_id)
    ev = dict(second.evidence)
    ev["action"] = second.action
    ev.setdefault("distance", (simhash64(ta) ^ simhash64(tb)).bit_count())
    return same, ev, (ta, tb)


def evaluate(corpus: Corpus, ex: dict[str, Extracted], *, plain: bool = True) -> list[Outcome]:
    tables = site_tables(corpus, ex)
    outcomes = []
    for pair in corpus.pairs:
        same, ev, texts = decide_pair(pair, ex, tables[pair.site])
        p_same, dist = None, None
        if plain:
            fa, fb = ex[pair.a.url].plain_fp, ex[pair.b.url].plain_fp
            if fa is not None and fb is not None:
                dist = (fa ^ fb).bit_count()
            p_same = dist is not None and dist <= PLAIN_MAX_DISTANCE
        outcomes.append(Outcome(pair, same, p_same, ev, texts, dist))
    return outcomes


# --------------------------------------------------------------------------- cost

def cost_pass(corpus: Corpus, ex: dict[str, Extracted], every: int = 5) -> dict:
    """Every page once, in build order, into one archive-like index (the site tables having seen every
    page): ms/page of clean, fingerprint and decide. Every ``every``-th page is extracted again right
    there, in this process, so extraction and the rest are timed on the same pages under the same load."""
    tables = {}
    for url, page in corpus.pages.items():
        art = ex[url].article
        if art is not None:
            tables.setdefault(page.site, SiteBlocks()).observe(url, art.blocks, art.title)
    texts: dict[str, str] = {}
    dedup = Deduplicator(UrlIndex(), NearDupIndex(k=NEAR_K), texts.__getitem__)
    steps = Counter()
    sample = Counter()
    n = 0
    gc.collect()
    for i, (url, page) in enumerate(corpus.pages.items()):
        art = ex[url].article
        if art is None:
            continue
        n += 1
        timed = i % every == 0
        if timed:
            t = time.perf_counter()
            extract(page.html, url)
            sample["extract"] += time.perf_counter() - t
        t0 = time.perf_counter()
        cleaned = clean(art.blocks, title=art.title, key=url, table=tables[page.site])
        text = cleaned.text
        t1 = time.perf_counter()
        sha, fp = text_sha256(text), simhash64(text)
        t2 = time.perf_counter()
        d = dedup.decide(canonical=url, fetched_key=url, text=text, text_sha=sha, fp=fp, new_id=doc_id_for(url),
                         blocks=cleaned.blocks)
        if d.action == NEW:
            dedup.remember(d.doc_id, url, sha, fp, anchor_hashes(cleaned.blocks))
        t3 = time.perf_counter()
        if d.action == NEW:
            texts[d.doc_id] = text
        steps.update(clean=t1 - t0, fingerprint=t2 - t1, decide=t3 - t2)
        if timed:
            sample["n"] += 1
            sample["post"] += t3 - t0
    n, m = max(n, 1), max(sample["n"], 1)
    ext, post = 1000 * sample["extract"] / m, 1000 * sample["post"] / m
    return {"pages": n, "sampled": sample["n"], "extract_ms": ext, "post_sample_ms": post,
            "ratio": post / ext if ext else float("nan"),
            **{f"{k}_ms": 1000 * v / n for k, v in steps.items()},
            "post_ms": 1000 * sum(steps.values()) / n,
            "pool_ours_ms": sum(e.ours_ms for e in ex.values()) / max(len(ex), 1),
            "pool_plain_ms": sum(e.plain_ms for e in ex.values()) / max(len(ex), 1)}


# --------------------------------------------------------------------------- report

def confusion(outcomes: list[Outcome], method: str) -> Counter:
    c = Counter(tp=0, fp=0, fn=0, tn=0)
    for o in outcomes:
        said = o.ours if method == "ours" else o.plain
        if o.pair.same:
            c["tp" if said else "fn"] += 1
        else:
            c["fp" if said else "tn"] += 1
    return c


def precision_recall(c: Counter) -> tuple[float | None, float | None]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
    return p, r


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def miss_reason(o: Outcome) -> str:
    """Why ours said "different" on a positive pair (or "same" on a negative one)."""
    if o.evidence.get("layer") == "no text":
        return "no article extracted"
    ov = overlap(*o.texts)
    if o.pair.same:
        if ov["containment"] >= MIN_CONTAINMENT and ov["jaccard"] < MIN_JACCARD:
            return f"texts differ in size: containment >= {MIN_CONTAINMENT} but Jaccard < {MIN_JACCARD}"
        if ov["containment"] >= MIN_CONTAINMENT and o.evidence.get("distance", 0) > NEAR_K:
            return f"no candidate: distance > {NEAR_K} and no anchor paragraph shared"
        return f"texts differ: containment < {MIN_CONTAINMENT}"
    return "merged different articles"


def print_report(outcomes: list[Outcome], cost: dict | None, corpus: Corpus, show: int = 20) -> None:
    rows = [(k, [o for o in outcomes if o.pair.kind == k]) for k in KINDS]
    rows.append(("overall", outcomes))
    for site in ("bench", "demo"):
        group = [o for o in outcomes if o.pair.site == site]
        if group:
            rows.append((f"  {site} site only", group))
    plain = all(o.plain is not None for o in outcomes)
    methods = ("ours", "plain") if plain else ("ours",)
    head = f"{'pair kind':<24}{'pairs':>6}  " + "  ".join(
        f"{m + ' TP/FP/FN/TN':>22} {'P':>6} {'R':>6}" for m in methods)
    print(head)
    print("-" * len(head))
    for name, group in rows:
        cells = []
        for m in methods:
            c = confusion(group, m)
            p, r = precision_recall(c)
            cells.append(f"{c['tp']:>7}/{c['fp']}/{c['fn']}/{c['tn']:<5}".rjust(22) + f" {_f(p):>6} {_f(r):>6}")
        if name == "overall":
            print("-" * len(head))
        print(f"{name:<24}{len(group):>6}  " + "  ".join(cells))
    print(f"\npages: {len(corpus.pages)}; pairs by site: {dict(Counter(o.pair.site for o in outcomes))}; "
          f"left out: {len(corpus.skipped)}")
    for what, why in corpus.skipped:
        print(f"  left out {what}: {why}")
    wrong = [o for o in outcomes if o.ours != o.pair.same]
    if wrong:
        reasons = Counter((o.pair.kind, miss_reason(o)) for o in wrong)
        print(f"\nours wrong on {len(wrong)} pairs:")
        for (kind, why), n in sorted(reasons.items()):
            print(f"  {n:>4}  {kind}: {why}")
        if show:
            print(f"first {min(show, len(wrong))}:")
        for o in wrong[:show]:
            ev = {k: v for k, v in o.evidence.items() if k in ("action", "layer", "distance", "containment",
                                                              "rejected", "missing")}
            ev.update(overlap(*o.texts))
            words = [len(WORD_RE.findall(t)) for t in o.texts]
            print(f"  [{o.pair.kind}] {o.pair.a.url} vs {o.pair.b.url}: words {words[0]}/{words[1]} "
                  f"{json.dumps(ev, ensure_ascii=False)}")
    if cost:
        print(f"\ncost, mean ms/page. Same {cost['sampled']} pages, one process, interleaved: extraction "
              f"{cost['extract_ms']:.2f} vs clean + fingerprint + decide {cost['post_sample_ms']:.2f} "
              f"-> {100 * cost['ratio']:.1f}% of extraction.\n"
              f"  all {cost['pages']} pages: clean {cost['clean_ms']:.2f} + fingerprint {cost['fingerprint_ms']:.2f}"
              f" + decide {cost['decide_ms']:.2f} = {cost['post_ms']:.2f} (one index, every page filed)."
              f"\n  extraction workers (all pages, loaded machine inflates these): archive.extract "
              f"{cost['pool_ours_ms']:.1f}, plain trafilatura.extract {cost['pool_plain_ms']:.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="use N benchmark pages (a seeded sample)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=None, help="article-extraction-benchmark folder")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="extraction worker processes (timings are per call, in each worker)")
    ap.add_argument("--show", type=int, default=20, help="list up to N pairs we get wrong")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = data_dir(args.data)
    bench = (path / "ground-truth.json").exists()
    if not bench:
        print(f"no benchmark data at {path}: demo site only", file=sys.stderr)
    corpus = build_corpus(args.seed, args.limit, path, bench=bench)
    t1 = time.perf_counter()
    print(f"built {len(corpus.pages)} pages, {len(corpus.pairs)} pairs in {t1 - t0:.1f}s", file=sys.stderr)
    ex = extract_all(corpus.pages, jobs=args.jobs, progress=True)
    t2 = time.perf_counter()
    print(f"extracted in {t2 - t1:.1f}s", file=sys.stderr)
    outcomes = evaluate(corpus, ex)
    cost = cost_pass(corpus, ex)
    print(f"seed {args.seed}; {len(corpus.pairs)} pairs. ours: archive.extract + SiteBlocks/clean + simhash64 + "
          f"Deduplicator (NEAR_K={NEAR_K} + anchor paragraphs, MIN_CONTAINMENT={MIN_CONTAINMENT}, "
          f"MIN_JACCARD={MIN_JACCARD}); plain: trafilatura.extract + "
          f"Simhash, distance <= {PLAIN_MAX_DISTANCE}\n")
    print_report(outcomes, cost, corpus, args.show)
    print(f"\ntotal {time.perf_counter() - t0:.1f}s ({args.jobs} extraction processes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
