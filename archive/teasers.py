"""Teaser and boilerplate removal on an article's text blocks, without class names.

Signals, from the page itself and from a per-site table carried from crawl to crawl:
- a block repeated within the page (the same card in "Related" and "Popular");
- the title of another known article, and the block after it (a card: title, summary);
- the lead of another known article, after its title or below the article's own text;
- a short block seen on many pages of the site (labels, "Related articles", source lines).
The article's own title and lead are never removed, even though they are another page's teaser.
"""
from __future__ import annotations

import hashlib
import re
import struct
from array import array
from dataclasses import dataclass, field
from functools import lru_cache

WORD_RE = re.compile(r"\w+", re.UNICODE)

SITE_MIN_PAGES = 3        # a block on this many other pages of the site is boilerplate...
SITE_MAX_WORDS = 40       # ...if it is short: long paragraphs are content even when republished
ANCHOR_MIN_WORDS = 12     # an unshared block this long is the article's own text
LEAD_MIN_WORDS = 8        # the lead: the first block this long after the title
MIN_KEPT_SHARE = 0.4      # removing more than this share of the words falls back to page-local signals


BLOCK_MEMO = 8192         # blocks whose hash and word count are remembered: filing one page asks
                          # for each of its blocks' several times (table, cleaning, anchors, listing)


def norm(block: str) -> str:
    return " ".join(WORD_RE.findall(block.lower()))


@lru_cache(maxsize=BLOCK_MEMO)
def _block_stats(block: str) -> tuple[int, int, str]:
    n = norm(block)
    return (int.from_bytes(hashlib.blake2b(n.encode(), digest_size=8).digest(), "big") if n else 0,
            len(WORD_RE.findall(block)), n)


@lru_cache(maxsize=BLOCK_MEMO)
def _card_norm(text: str) -> str:
    """``norm`` of a removed card's text (remembered: a site shows the same cards on many pages)."""
    return norm(text)


def block_hash(block: str) -> int:
    return _block_stats(block)[0]


def word_count(block: str) -> int:
    """``len(WORD_RE.findall(block))`` (remembered with the block's hash)."""
    return _block_stats(block)[1]


def site_of(url: str) -> str:
    from urllib.parse import urlsplit
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def own_title_and_lead(blocks: list[str], title: str | None) -> tuple[int | None, int | None]:
    """Indexes of the article's own title block and its lead (first long block after it)."""
    t = norm(title or "")
    th = block_hash(title) if t else 0   # equal norms have equal hashes: compare norms only then
    title_idx = next((i for i, b in enumerate(blocks) if t and block_hash(b) == th and norm(b) == t), None)
    start = 0 if title_idx is None else title_idx + 1
    lead_idx = next((i for i in range(start, len(blocks))
                     if word_count(blocks[i]) >= LEAD_MIN_WORDS), None)
    return title_idx, lead_idx


@dataclass
class SiteBlocks:
    """What the archive knows of one site's pages: how many pages each block appeared on, and
    the titles and leads of the articles filed from it (by page key: the canonical URL)."""
    freq: dict[int, int] = field(default_factory=dict)
    pages: set[int] = field(default_factory=set)          # hashes of page keys counted
    titles: dict[int, str] = field(default_factory=dict)  # title hash -> page key
    leads: dict[int, str] = field(default_factory=dict)   # lead hash -> page key

    def observe(self, key: str, blocks: list[str], title: str | None) -> None:
        """Count a page's blocks once per page key, and learn its title and lead."""
        kh = block_hash(key)
        if kh not in self.pages:
            self.pages.add(kh)
            for h in {block_hash(b) for b in blocks}:
                self.freq[h] = self.freq.get(h, 0) + 1
        title_idx, lead_idx = own_title_and_lead(blocks, title)
        if title:
            self.titles.setdefault(block_hash(title), key)
        if lead_idx is not None:
            self.leads.setdefault(block_hash(blocks[lead_idx]), key)

    # -- persistence: compact binary, loaded once per crawl and saved at its end ------------
    _MAGIC = b"SBLK1\n"

    def to_bytes(self) -> bytes:
        freq_keys = array("Q", self.freq.keys())
        freq_vals = array("I", (min(v, 0xFFFFFFFF) for v in self.freq.values()))
        pages = array("Q", self.pages)
        names = sorted(set(self.titles.values()) | set(self.leads.values()))
        name_id = {n: i for i, n in enumerate(names)}
        name_blob = "\n".join(names).encode("utf-8")
        titles = array("Q", self.titles.keys())
        title_ids = array("I", (name_id[v] for v in self.titles.values()))
        leads = array("Q", self.leads.keys())
        lead_ids = array("I", (name_id[v] for v in self.leads.values()))
        parts = [freq_keys, freq_vals, pages, titles, title_ids, leads, lead_ids]
        header = struct.pack("<6sQQQQQQ", self._MAGIC, len(freq_keys), len(pages), len(titles),
                             len(leads), len(names), len(name_blob))
        return header + b"".join(p.tobytes() for p in parts) + name_blob

    @classmethod
    def from_bytes(cls, data: bytes) -> "SiteBlocks":
        head = struct.calcsize("<6sQQQQQQ")
        if len(data) < head or data[:6] != cls._MAGIC:
            raise ValueError("not a site block table")
        _, nf, np_, nt, nl, nn, nb = struct.unpack_from("<6sQQQQQQ", data)
        off = head

        def take(code, n):
            nonlocal off
            a = array(code)
            size = a.itemsize * n
            if off + size > len(data):
                raise ValueError("site block table is truncated")
            a.frombytes(data[off:off + size])
            off += size
            return a

        fk, fv, pages = take("Q", nf), take("I", nf), take("Q", np_)
        tk, tv, lk, lv = take("Q", nt), take("I", nt), take("Q", nl), take("I", nl)
        if off + nb != len(data):
            raise ValueError("site block table is truncated")
        names = data[off:off + nb].decode("utf-8").split("\n") if nn else []
        return cls(freq=dict(zip(fk, fv)), pages=set(pages),
                   titles={k: names[v] for k, v in zip(tk, tv)}, leads={k: names[v] for k, v in zip(lk, lv)})


def split_blocks(blocks: list[str]) -> list[str]:
    """One line per block, no empty ones: so a text joined with newlines splits back into them."""
    return [line.strip() for b in blocks for line in b.split("\n") if line.strip()]


@dataclass
class Cleaned:
    blocks: list[str]
    removed: list[dict]   # {"text", "why", and "teaser_of" (page key) when known}

    @property
    def text(self) -> str:
        return "\n".join(self.blocks)


def teaser_only_change(old: list[str], new: list[str], *, key: str, table: SiteBlocks) -> bool:
    """Whether two cleaned texts of one page differ only in teaser-like blocks: blocks seen on
    other pages of the site, or titles and leads of other articles. An edit makes a block no
    other page has, so it is a real change."""
    old_h, new_h = {block_hash(b) for b in old}, {block_hash(b) for b in new}
    diff = old_h ^ new_h
    if not diff:
        return False

    def teaser_like(h):
        other = table.titles.get(h) or table.leads.get(h)
        return (other is not None and other != key) or table.freq.get(h, 0) >= 2

    return all(teaser_like(h) for h in diff)


def clean(blocks: list[str], *, title: str | None, key: str, table: SiteBlocks,
          dom_removed: list[dict] | None = None) -> Cleaned:
    """The article's own blocks, and what was removed with the reason.

    ``key`` is the page's canonical URL; ``table`` should already have observed the page.
    ``dom_removed`` is what :mod:`archive.structure` took out of the page before extraction
    (``Article.removed``): it goes first on the record, and the cards it found teach this page's
    teasers (a title or summary of a removed card met again in the text is a teaser too).
    """
    dom_removed = list(dom_removed or [])
    dom_titles: dict[str, str] = {}
    cards = [r for r in dom_removed if r.get("teaser_of") and r["teaser_of"] != key]
    for r in cards:
        if r.get("title"):
            dom_titles.setdefault(_card_norm(r["title"]), r["teaser_of"])
    dom_texts: list[tuple[str, str]] = []   # the cards' texts, normalised when first needed

    def card_of(words: str) -> str | None:
        if cards and not dom_texts:
            dom_texts.extend((_card_norm(r["text"]), r["teaser_of"]) for r in cards)
        return next((u for t, u in dom_texts if words in t), None)

    n = len(blocks)
    stats = [_block_stats(b) for b in blocks]
    hashes = [h for h, _, _ in stats]
    sizes = [c for _, c, _ in stats]
    norms = [w for _, _, w in stats]
    own_key_hash = block_hash(key)
    counted = own_key_hash in table.pages
    title_idx, lead_idx = own_title_and_lead(blocks, title)
    protected = {i for i in (title_idx, lead_idx) if i is not None}

    seen: dict[int, int] = {}
    for h in hashes:
        seen[h] = seen.get(h, 0) + 1

    def other_title(i):
        k = table.titles.get(hashes[i])
        return k if k and k != key else None

    def other_lead(i):
        k = table.leads.get(hashes[i])
        return k if k and k != key else None

    def site_shared(i):
        others = table.freq.get(hashes[i], 0) - (1 if counted else 0)
        return others >= SITE_MIN_PAGES and sizes[i] < SITE_MAX_WORDS

    def shared(i):
        return seen[hashes[i]] > 1 or other_title(i) or other_lead(i) or site_shared(i)

    anchors = [i for i in range(n) if not shared(i) and sizes[i] >= ANCHOR_MIN_WORDS]
    last_anchor = max(anchors + sorted(protected), default=-1)

    def decide(local_only: bool, site_labels: bool = True) -> dict[int, tuple[str, str | None]]:
        why: dict[int, tuple[str, str | None]] = {}
        for i in range(n):
            if i in protected or hashes[i] == 0:
                continue
            tail = i > last_anchor
            words = norms[i]
            if words in dom_titles:
                why[i] = ("teaser_title", dom_titles[words])
                continue
            if sizes[i] >= 4 and sizes[i] < 60 and (hit := card_of(words)):
                why[i] = ("teaser_summary", hit)
                continue
            if seen[hashes[i]] > 1:
                why[i] = ("repeated_on_page", other_title(i) or other_lead(i))
            elif other_title(i):
                why[i] = ("teaser_title", other_title(i))
                nxt = i + 1
                if nxt < n and nxt not in protected and sizes[nxt] < 60:
                    why.setdefault(nxt, ("teaser_summary", other_title(i)))
            elif local_only:
                # Even then, headings and labels the whole site repeats are never article text.
                if site_labels and site_shared(i) and sizes[i] < LEAD_MIN_WORDS:
                    why[i] = ("site_boilerplate", None)
                continue
            elif other_lead(i) and (tail or why.get(i - 1, ("",))[0] == "teaser_title"):
                why[i] = ("teaser_summary", other_lead(i))
            elif site_shared(i):
                why[i] = ("site_boilerplate", None)
        if not local_only:
            # Short lines below the article's own text next to removed blocks (section headings,
            # card labels) go too; backwards then forwards so runs of them are caught.
            tail = [i for i in range(last_anchor + 1, n) if i not in protected and sizes[i] < LEAD_MIN_WORDS]
            for i in [*reversed(tail), *tail]:
                if i not in why and (i - 1 in why or i + 1 in why):
                    why[i] = ("teaser_label", None)
        return why

    total = sum(sizes) or 1
    def kept_enough(why):
        return sum(sizes[i] for i in range(n) if i not in why) >= MIN_KEPT_SHARE * total

    why = decide(local_only=False)
    if not kept_enough(why):   # a short article among many cards: page-local signals only...
        why = decide(local_only=True)
        if not kept_enough(why):   # ...and not even the site's labels if those are all there is
            why = decide(local_only=True, site_labels=False)
    kept = [blocks[i] for i in range(n) if i not in why]
    removed = [{"index": i, "text": blocks[i], "why": why[i][0],
                **({"teaser_of": why[i][1]} if why[i][1] else {})} for i in sorted(why)]
    return Cleaned(kept, [{**r, "where": "dom"} for r in dom_removed] + removed)
