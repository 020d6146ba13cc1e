"""Main-text + metadata extraction for archived pages (trafilatura wrapper).

``extract(body, url)`` returns an :class:`Article`, or ``None`` when the input is
empty, binary or not parseable or has no main text at all. Whether the text is an
article (not a listing, hub or near-empty page) is a verdict on the Article
(``holds_article``, ``not_article``), never a cut in its text: the page typing
(:mod:`archive.pages`) skips what is not an article. The HTML is decoded once
(:func:`archive.encoding.decode_html`), parsed once, and the same lxml tree feeds
both our own markup probes (canonical URL, og:type, JSON-LD) and trafilatura
(which copies it).

The trafilatura settings and post-processing in :data:`DEFAULT_SETTINGS` were
chosen by measurement on two development sets together (article-extraction-benchmark
and trafilatura-eval-dev): ``benchmarks/extraction.py --sweep`` reproduces the comparison.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from unicodedata import east_asian_width, normalize
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement
from trafilatura import bare_extraction, load_html
from trafilatura.deduplication import LRUCache

from archive.encoding import decode_html, looks_like_html
from archive.structure import analyse

__all__ = ["Article", "ExtractionSettings", "DEFAULT_SETTINGS", "extract", "parse_html"]

# CPU seconds spent per phase by the extract() calls of this process (benchmarks/extraction.py
# reads and clears it; a handful of clock reads per page). Process CPU time, not wall clock: on a
# loaded machine the shares stay what the code costs.
PHASE_SECONDS: dict[str, float] = {}


def _add_phase(name: str, start: float) -> float:
    now = time.process_time()
    PHASE_SECONDS[name] = PHASE_SECONDS.get(name, 0.0) + now - start
    return now


@dataclass(frozen=True)
class ExtractionSettings:
    """Knobs passed to trafilatura plus our own post-processing.

    The class defaults are trafilatura's own defaults (comments always off)
    without post-processing; :data:`DEFAULT_SETTINGS` is what ``extract`` uses.
    """

    fast: bool = False  # skip trafilatura's readability/justext fallbacks
    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    include_formatting: bool = False
    deduplicate: bool = False  # per-document only (fresh LRU cache per call)
    # "is there an article at all" gates: they set Article.holds_article / not_article, never the
    # text. Sizes are in letters, a full-width (CJK) character counting as FULLWIDTH_WEIGHT.
    min_text_chars: int = 200  # main text (not counting link-only blocks) below this: no article
    max_link_share: float = 0.5  # main text mostly made of link texts: a listing
    min_paragraph_chars: int = 150  # without article markup, need one block (<p>, <pre>...) this long
    normalize_unicode: bool = True  # NFC, as trafilatura.extract does (bare_extraction does not)
    # a second, favor_precision pass: its text replaces the first one when it keeps at least this
    # share of it (it trimmed boilerplate rather than lost the body); 0 = no second pass
    precision_check: float = 0.0
    precision_fast: bool = False  # the second pass without trafilatura's readability/justext fallbacks
    drop_headline: bool = False  # drop a leading block repeating <title>/og:title/<h1>
    drop_dateline: bool = False  # drop short leading date/byline blocks
    structure: bool = True  # archive.structure: remove teasers, comments, newsletter blurbs from the DOM first

    def trafilatura_kwargs(self) -> dict[str, Any]:
        return {
            "fast": self.fast,
            "favor_precision": self.favor_precision,
            "favor_recall": self.favor_recall,
            "include_tables": self.include_tables,
            "include_formatting": self.include_formatting,
        }


# Measured on both development sets together (AEB and trafilatura-eval-dev, see
# benchmarks/extraction.py --sweep): trafilatura's defaults with its fallbacks (fast mode takes a
# newsletter form, a menu or only the intro where the fallbacks find the body; favor_recall loses
# as often as it wins), NFC, and short leading date/byline lines dropped. The headline drop helps
# AEB (whose bodies leave the headline out) but hurts trafilatura-eval (whose snippets keep it).
# The favor_precision second opinion (kept when it holds >= 60% of the default text) wins on both
# sets for about 25 ms more per page.
DEFAULT_SETTINGS = ExtractionSettings(precision_check=0.6, drop_dateline=True)


@dataclass(frozen=True)
class Article:
    url: str
    text: str  # main text, one block per line
    blocks: list[str] = field(default_factory=list)  # paragraphs/headings/list items, in order
    title: str | None = None
    published: str | None = None  # ISO 8601 date
    author: str | None = None
    site: str | None = None
    section: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    language: str | None = None
    image: str | None = None
    canonical_url: str | None = None
    page_type: str | None = None  # og:type
    has_article_markup: bool = False
    # the gates' verdict: False for listings, hubs and near-empty pages (the text is still there)
    holds_article: bool = True
    not_article: str | None = None  # why not: "too_short", "link_list" or "no_paragraph"
    removed: list[dict] = field(default_factory=list)  # what archive.structure took out, and why
    structure: dict = field(default_factory=dict)  # archive.structure page-type evidence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # deep-copies the lists


# --------------------------------------------------------------------------- markup probes

ARTICLE_SCHEMA_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "asknewsarticle",
        "askpublicnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "scholarlyarticle",
        "techarticle",
        "satiricalarticle",
        "report",
        "advertisercontentarticle",
    }
)
_OG_ARTICLE_TYPES = frozenset({"article", "news", "news.article", "blog", "blogposting"})
_JSONLD_TYPE_RE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_LANG_RE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")


def _absolute_http_url(base: str, href: str | None) -> str | None:
    if not href or not href.strip():
        return None
    try:
        absolute = urljoin(base, href.strip())
        parts = urlsplit(absolute)
    except ValueError:  # e.g. invalid IPv6 netloc
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _canonical_url(tree: HtmlElement, url: str) -> str | None:
    for link in tree.iterfind(".//link[@rel][@href]"):
        if "canonical" in link.get("rel", "").lower().split():
            found = _absolute_http_url(url, link.get("href"))
            if found:
                return found
    for meta in tree.iterfind(".//meta[@property='og:url']"):
        found = _absolute_http_url(url, meta.get("content"))
        if found:
            return found
    return None


def _meta_content(tree: HtmlElement, attr: str, value: str) -> str | None:
    for meta in tree.iterfind(f".//meta[@{attr}='{value}']"):
        content = (meta.get("content") or "").strip()
        if content:
            return content
    return None


def _iter_jsonld_types(node: Any, depth: int = 0):
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _iter_jsonld_types(item, depth + 1)
    elif isinstance(node, dict):
        kind = node.get("@type")
        if isinstance(kind, str):
            yield kind
        elif isinstance(kind, list):
            yield from (k for k in kind if isinstance(k, str))
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in node:
                yield from _iter_jsonld_types(node[key], depth + 1)


def _jsonld_types(tree: HtmlElement) -> set[str]:
    types: set[str] = set()
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        raw = script.text
        if not raw or not raw.strip():
            continue
        try:
            types.update(_iter_jsonld_types(json.loads(raw, strict=False)))
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            for match in _JSONLD_TYPE_RE.finditer(raw):  # malformed JSON: scan
                types.update(re.findall(r'"([^"]+)"', match.group(1)))
    return {t.rsplit("/", 1)[-1].lower() for t in types}


def _microdata_types(tree: HtmlElement) -> set[str]:
    return {
        itemtype.rstrip("/").rsplit("/", 1)[-1].lower()
        for node in tree.iterfind(".//*[@itemtype]")
        for itemtype in node.get("itemtype", "").split()
    }


def _has_article_markup(tree: HtmlElement, page_type: str | None) -> bool:
    if page_type and page_type.strip().lower() in _OG_ARTICLE_TYPES:
        return True
    if (_jsonld_types(tree) | _microdata_types(tree)) & ARTICLE_SCHEMA_TYPES:
        return True
    # an <article> element carrying a publication date
    if tree.find(".//article") is not None:
        if _meta_content(tree, "property", "article:published_time"):
            return True
        for article in tree.iterfind(".//article"):
            if article.find(".//time[@datetime]") is not None or article.find(".//*[@itemprop='datePublished']") is not None:
                return True
    return False


def _language(tree: HtmlElement) -> str | None:
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates.append(_meta_content(tree, "http-equiv", "content-language"))
    candidates.append(_meta_content(tree, "property", "og:locale"))
    for value in candidates:
        if value:
            match = _LANG_RE.match(value.split(",")[0])
            if match:
                return match.group(1).lower()
    return None


# --------------------------------------------------------------------------- extraction

_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


_WORD_RE = re.compile(r"\w+")
_DATE_HINT_RE = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
_HEAD_SCAN = 2  # the headline repeat sits in the first blocks
_DATELINE_SCAN = 3
_DATELINE_MAX_WORDS = 12
_DATELINE_DIGIT_SHARE = 0.3


def _blocks(text: str) -> list[str]:
    blocks = []
    for line in text.split("\n"):
        line = _SPACE_RE.sub(" ", line).strip()
        if line:
            blocks.append(line)
    return blocks


def _words(text: str) -> str:
    return " ".join(_WORD_RE.findall(text.lower()))


def _headlines(tree: HtmlElement, title: str | None) -> list[str]:
    candidates = [title, _meta_content(tree, "property", "og:title")]
    candidates += [h1.text_content() for h1 in tree.iterfind(".//h1")][:3]
    return [w for w in (_words(c) for c in candidates if c) if w]


def _drop_headline(blocks: list[str], headlines: list[str]) -> list[str]:
    """Remove the headline repeated at the top of the body (it is ``title``).
    A block matches when equal to a headline or contained in one (titles
    often carry a "| Site" suffix)."""
    kept = []
    for i, block in enumerate(blocks):
        if i < _HEAD_SCAN:
            words = _words(block)
            if words and any(words == h or (len(words) > 15 and words in h) for h in headlines):
                continue
        kept.append(block)
    return kept


def _is_dateline(block: str) -> bool:
    tokens = _WORD_RE.findall(block)
    return (
        0 < len(tokens) <= _DATELINE_MAX_WORDS
        and _DATE_HINT_RE.search(block) is not None
        and (digits := sum(t.isdigit() for t in tokens)) >= 2  # day + year, or a time
        and digits >= _DATELINE_DIGIT_SHARE * len(tokens)
        and not block.endswith((".", "!", "?", ":", '"', "\u201d"))
    )


def _drop_dateline(blocks: list[str]) -> list[str]:
    """Remove short date/byline lines ("October 12, 2017", "5:45 AM PST
    11/19/2019 by X") among the first blocks: metadata (``published``), not
    body text. A heading that merely mentions a year ("Calendar 2018") stays:
    it takes two numbers (day and year, a time) making up a good share of the line."""
    return [block for i, block in enumerate(blocks) if i >= _DATELINE_SCAN or not _is_dateline(block)]


_QUESTION_ENDS = ("?", "\uff1f", "\u061f", "\u037e")  # ASCII, full-width, Arabic, Greek


def _restore_questions(default: list[str], precise: list[str]) -> list[str]:
    """The precision pass's blocks, plus the questions it dropped from between them: favor_precision
    drops short blocks, and a question sitting between kept paragraphs is body text (an interview
    question, a subheading), not boilerplate. Only when its blocks are all the default pass's."""
    kept = set(precise)
    if not kept <= set(default):
        return precise
    positions = [i for i, block in enumerate(default) if block in kept]
    first, last = positions[0], positions[-1]
    return [
        block
        for i, block in enumerate(default)
        if block in kept or (first < i < last and block.endswith(_QUESTION_ENDS))
    ]


def _terms(values: list[str] | None) -> list[str]:
    """Flatten trafilatura's comma-joined keyword strings into unique terms."""
    seen: set[str] = set()
    terms = []
    for value in values or []:
        for term in value.split(","):
            term = _SPACE_RE.sub(" ", term).strip()
            if term and term.lower() not in seen:
                seen.add(term.lower())
                terms.append(term)
    return terms


FULLWIDTH_WEIGHT = 3  # a CJK character carries about as much as a short word (3 letters)


_ANY_SPACE_RE = re.compile(r"\s+")
_HIGH_RE = re.compile("[\u1100-\U0010ffff]")  # where wide characters can be (Hangul Jamo up)


def text_size(text: str) -> int:
    """Size of ``text`` in letters, whitespace left out, so that gates mean the same in any
    script: a full-width character (Chinese, Japanese, Korean) counts FULLWIDTH_WEIGHT."""
    size = len(text) - sum(map(len, _ANY_SPACE_RE.findall(text)))
    high = _HIGH_RE.findall(text)
    if high:  # only these are looked up one by one (a Latin-script page has none or few)
        size += (FULLWIDTH_WEIGHT - 1) * sum(
            1 for char in high if east_asian_width(char) in ("W", "F") and not char.isspace()
        )
    return size


def _not_article(
    tree: HtmlElement, body: Any, blocks: list[str], has_markup: bool, settings: ExtractionSettings
) -> str | None:
    """Why the page holds no article (listings/hubs that trafilatura still returns text
    for), or None. Blocks that merely repeat a link's text (headline teasers, nav) do not
    count as article text, and a page without article markup must have one real paragraph:
    a top-level element of trafilatura's output (a ``<p>``, a whole hard-wrapped ``<pre>``)."""
    anchors = {w for w in (_words(a.text_content()) for a in tree.iter("a")) if w}
    sizes = [text_size(b) for b in blocks]
    total = sum(sizes)
    link_size = sum(n for b, n in zip(blocks, sizes) if _words(b) in anchors)
    if link_size > settings.max_link_share * total:
        return "link_list"
    if total - link_size < settings.min_text_chars:
        return "too_short"
    if not has_markup:
        elements = list(body) if body is not None else []
        longest = max((text_size(" ".join(el.itertext())) for el in elements), default=0)
        if max(longest, max(sizes)) < settings.min_paragraph_chars:
            return "no_paragraph"
    return None


def _parse(html: bytes | str, declared_encoding: str | None) -> HtmlElement | None:
    if isinstance(html, (bytes, bytearray, memoryview)):
        html = bytes(html)
        if not looks_like_html(html, None):
            return None
        html, _ = decode_html(html, declared_encoding)
    if not isinstance(html, str) or not html.strip():
        return None
    if html.count("\x00") > len(html) // 100:  # binary smuggled in as text
        return None
    tree = load_html(html)  # catches lxml's parser errors itself, returns None
    if tree is None:
        return None
    # lxml.html.fromstring hands back a fragment (e.g. the lone <div>/<audio> of a
    # page not starting with <html>/<!doctype>): work on the whole document, or
    # trafilatura's copy() detaches the fragment and htmldate trips on it
    root = tree.getroottree().getroot()
    if not isinstance(root, HtmlElement) or root.tag != "html":
        return None
    return root


def parse_html(html: bytes | str, declared_encoding: str | None = None) -> HtmlElement | None:
    """The page decoded and parsed as :func:`extract` does it (None if it is no HTML document):
    a caller that needs the tree too (links) parses once and hands the tree to ``extract``."""
    return _parse(html, declared_encoding)


def extract(
    html: bytes | str | HtmlElement,
    url: str,
    *,
    declared_encoding: str | None = None,
    settings: ExtractionSettings = DEFAULT_SETTINGS,
    report: dict | None = None,
) -> Article | None:
    """Extract the main article of ``html`` fetched from ``url``.

    ``declared_encoding`` is the HTTP Content-Type header value or a bare
    charset name. Returns None for empty, binary or broken input, or when
    trafilatura finds no main text at all; otherwise an Article whose
    ``holds_article`` says whether it looks like an article (a listing, hub or
    near-empty page still has its text, with the reason in ``not_article``).
    ``report``, if given, receives ``"structure"``: the page-type evidence of archive.structure.
    ``html`` may be a tree from :func:`parse_html` (used, and possibly changed, in place).
    """
    start = time.process_time()
    tree = html if isinstance(html, HtmlElement) else _parse(html, declared_encoding)
    start = _add_phase("parse", start)
    if tree is None:
        return None
    canonical = _canonical_url(tree, url)
    # links are judged against the page's own address: the URL it came from, else (a saved file,
    # an evaluation key) the address it declares, so that teasers of its own site are recognised
    page_url = url if _absolute_http_url(url, url) else (canonical or url)
    dom = analyse(tree, page_url, canonical=canonical) if settings.structure else None
    if report is not None and dom is not None:  # page-type evidence, also when no article comes out
        report["structure"] = dom.summary()
    start = _add_phase("structure", start)
    # bare_extraction works on its own copy of the tree and returns None on its own
    # ValueError/TypeError ("nothing found")
    doc = bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=True,
        deduplicate=LRUCache(maxsize=4096) if settings.deduplicate else False,
        **settings.trafilatura_kwargs(),
    )
    start = _add_phase("trafilatura", start)
    if doc is None or not doc.text:
        return None
    nfc = (lambda t: normalize("NFC", t)) if settings.normalize_unicode else (lambda t: t)
    blocks = _blocks(nfc(doc.text))
    if settings.precision_check and not settings.favor_precision:
        kwargs = {**settings.trafilatura_kwargs(), "favor_precision": True, "favor_recall": False}
        if settings.precision_fast:
            kwargs["fast"] = True
        precise = bare_extraction(tree, url=url, include_comments=False, with_metadata=False, **kwargs)
        if precise is not None and precise.text and len(precise.text) >= settings.precision_check * len(doc.text):
            blocks = _restore_questions(blocks, _blocks(nfc(precise.text)))
            doc.body = precise.body
        start = _add_phase("precision pass", start)
    if settings.drop_headline:
        blocks = _drop_headline(blocks, _headlines(tree, doc.title))
    if settings.drop_dateline:
        blocks = _drop_dateline(blocks)
    if not blocks:
        return None
    page_type = _meta_content(tree, "property", "og:type")
    has_markup = _has_article_markup(tree, page_type)
    not_article = _not_article(tree, doc.body, blocks, has_markup, settings)
    article = Article(
        url=url,
        text="\n".join(blocks),
        blocks=blocks,
        title=doc.title or None,
        published=doc.date or None,
        author=doc.author or None,
        site=doc.sitename or None,
        section=_terms(doc.categories),
        tags=_terms(doc.tags),
        description=doc.description or None,
        language=_language(tree),
        image=_absolute_http_url(url, doc.image),
        canonical_url=canonical,
        page_type=page_type.strip() if page_type else None,
        has_article_markup=has_markup,
        holds_article=not_article is None,
        not_article=not_article,
        removed=dom.removed if dom else [],
        structure=dom.summary() if dom else {},
    )
    _add_phase("post", start)
    return article
